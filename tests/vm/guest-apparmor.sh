# Sourced by guest-tests.sh: AppArmor confinement for real. Debian's kernel enables
# AppArmor (the build host's kernel has no LSM at all); the profile is loaded with the
# host's apparmor_parser. Uses guest-tests.sh's ok/nok/check/eq/bundle.
if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) != Y ]] || ! command -v apparmor_parser > /dev/null; then
  nok "AppArmor enabled in the guest with apparmor_parser" "enabled=$(cat /sys/module/apparmor/parameters/enabled 2>&1)"
  return 0
fi
cat > /tmp/berth-test.profile <<'PROFILE'
profile berth-test flags=(attach_disconnected,mediate_deleted) {
  file,
  deny /secret r,
  capability,
  signal,
  unix,
  network,
  ptrace,
}
PROFILE
check "apparmor_parser loads the test profile" apparmor_parser -r -K /tmp/berth-test.profile

# The same container with and without the profile: only the confined one is denied /secret.
probe='cat /proc/self/attr/current > /tmp/label; cat /secret > /tmp/secret.out 2>/tmp/secret.err; echo $? > /tmp/secret.rc'
for mode in confined unconfined; do
  edit='.process.args=["sh","-c","'"$probe"'"]'
  [[ $mode == confined ]] && edit="$edit | .process.apparmorProfile=\"berth-test\""
  d=$(bundle aa-$mode "$edit")
  echo secret > $d/rootfs/secret
  $berth run -b $d aa-$mode > /dev/null 2>>$tap.part
done
check "apparmorProfile: the process runs under the profile" eq "$(cat /tmp/b-aa-confined/rootfs/tmp/label 2>&1)" "berth-test (enforce)"
check "apparmorProfile: the profile's deny rule holds" eq "$(cat /tmp/b-aa-confined/rootfs/tmp/secret.rc 2>&1)" 1
check "apparmorProfile: the denial is EACCES" grep -q "Permission denied" /tmp/b-aa-confined/rootfs/tmp/secret.err
check "no apparmorProfile: unconfined" eq "$(cat /tmp/b-aa-unconfined/rootfs/tmp/label 2>&1)" unconfined
check "no apparmorProfile: /secret readable" eq "$(cat /tmp/b-aa-unconfined/rootfs/tmp/secret.out 2>&1)" secret
$berth delete aa-confined 2>/dev/null; $berth delete aa-unconfined 2>/dev/null

# exec --apparmor confines the exec'd process of an unconfined container.
d=$(bundle aa-exec '.process.args=["sleep","1000"]')
$berth run -d -b $d aa-exec > /dev/null 2>>$tap.part
check "exec --apparmor: the process runs under the profile" \
  eq "$($berth exec --apparmor berth-test aa-exec cat /proc/self/attr/current 2>&1)" "berth-test (enforce)"
check "exec without --apparmor: the container's label (unconfined)" \
  eq "$($berth exec aa-exec cat /proc/self/attr/current 2>&1)" unconfined
$berth delete --force aa-exec

# A profile the kernel does not know fails create in one line, leaving nothing behind.
bundle aa-missing '.process.args=["sleep","1"] | .process.apparmorProfile="berth-no-such-profile"' > /dev/null
refused "unknown profile" aa-missing "apparmor.*berth-no-such-profile"

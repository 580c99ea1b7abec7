# Sourced by guest-tests.sh on the vm-cgroup-v2 boot: rootless Podman with networking, which
# the build host cannot run (its /dev/net/tun is 0600; the guest has its own /dev). An
# unprivileged guest user (added to private copies of /etc/passwd, group, subuid and subgid
# bound over the host's read-only ones, in the guest only) runs `podman --runtime` berth,
# then runc (fairness), with
#   - slirp4netns: a busybox httpd container published with -p HOSTPORT:80 and fetched
#     from the guest (rootlessport), and the same container fetching from a server on the
#     guest side (10.0.2.2 with allow_host_loopback=true);
#   - pasta: Podman 4.3 has no --network pasta (4.4 added it), so the container runs with
#     --network none (a network namespace the runtime makes in Podman's user namespace)
#     and pasta attaches to its init's namespaces as Podman 4.4 would, with -t HOSTPORT:80;
#     the container fetches from the guest side through pasta's gateway mapping.
# Uses $berth, check, eq, ok, nok from guest-tests.sh and tap-lib.sh.

rl_t0=$(date +%s)
rl_missing=
for c in podman conmon newuidmap slirp4netns pasta; do command -v $c > /dev/null || rl_missing+=" $c"; done
if [[ -n $rl_missing ]]; then
  ok "rootless networking # SKIP not installed:$rl_missing (contrib/install-deps.sh engines vm)"
  return 0
fi
rl_uid=2000
rl_home=/tmp/rlnet
rl_xdg=/run/user/$rl_uid
ip link set lo up
# A routable interface for pasta (it copies the guest's addresses and default route into
# the namespace): one end of a veth pair, the peer standing in for a gateway.
ip link add rlnet0 type veth peer name rlnet1
ip addr add 10.99.0.1/24 dev rlnet0
ip link set rlnet0 up && ip link set rlnet1 up
ip route add default via 10.99.0.2 dev rlnet0
# Podman wants / shared, as systemd makes it, so that its mounts propagate.
mount --make-rshared /
# The guest's own /dev (devtmpfs makes /dev/net/tun 0600, as on the build host): open to
# everyone, as distributions ship it (slirp4netns and pasta open it as the user).
[[ -e /dev/net/tun ]] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
chmod 0666 /dev/net/tun
mkdir -p /dev/shm /tmp/rl-etc && mount -t tmpfs -o mode=1777 tmpfs /dev/shm 2>/dev/null
for f in passwd group subuid subgid; do
  cp /etc/$f /tmp/rl-etc/$f 2>/dev/null || : > /tmp/rl-etc/$f
done
echo "brlnet:x:$rl_uid:$rl_uid::$rl_home:/bin/sh" >> /tmp/rl-etc/passwd
echo "brlnet:x:$rl_uid:" >> /tmp/rl-etc/group
echo "brlnet:200000:65536" >> /tmp/rl-etc/subuid
echo "brlnet:200000:65536" >> /tmp/rl-etc/subgid
for f in passwd group subuid subgid; do mount --bind /tmp/rl-etc/$f /etc/$f; done
mkdir -p $rl_home/bin $rl_home/img/bin $rl_home/www $rl_xdg
cp $berth $rl_home/bin/berth
. "$(dirname "${BASH_SOURCE[0]}")/podman-rootless-conf.sh"
podman_conf_files $rl_home $rl_xdg
cp /bin/busybox $rl_home/img/bin/busybox
for a in sh httpd wget timeout echo cat sleep mkdir; do ln -s busybox $rl_home/img/bin/$a; done
mkdir -p $rl_home/img/{tmp,proc,sys,dev,etc,www}
tar --numeric-owner --owner=0 --group=0 -C $rl_home/img -cf $rl_home/bb.tar .
echo from-the-guest > $rl_home/www/index.html
chown -R $rl_uid:$rl_uid $rl_home $rl_xdg
chmod 0700 $rl_xdg
# The guest side's server, on every address (pasta maps its gateway to the guest's own).
busybox httpd -f -p 18090 -h $rl_home/www &
rl_httpd=$!

rl_as_user() {
  setpriv --reuid $rl_uid --regid $rl_uid --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=$rl_home TMPDIR=$rl_home/tmp USER=brlnet LOGNAME=brlnet XDG_RUNTIME_DIR=$rl_xdg "$@"
}
# fetch URL: what busybox wget gets from URL on the guest side, retried while the
# container's server and the port forwarder come up (under TCG, seconds). Never wget -T:
# busybox 1.35's wget crashes (SIGSEGV) with it; coreutils' or busybox's timeout instead.
rl_fetch() {
  local out deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    out=$(timeout 3 busybox wget -q -O- "$1" 2>/dev/null) && { echo "$out"; return; }
    sleep 0.5
  done
  echo "no answer from $1: $(timeout 3 busybox wget -O- "$1" 2>&1 | tr '\n' '|'); listening: $(ss -Hltn | awk '{print $4}' | tr '\n' ' ')"
}
rl_serve='mkdir -p /www && echo "served-by-$0" > /www/index.html && exec httpd -f -p 80 -h /www'

rl_check_runtime() {
  local name=$1 rt=$2 out pid t0=$SECONDS
  pm() { rl_as_user podman --runtime "$rt" "$@"; }
  # slirp4netns: published port and the guest side reached through 10.0.2.2.
  pm run -d --name web-$name --network slirp4netns:allow_host_loopback=true -p 18080:80 \
    localhost/bb sh -c "$rl_serve" $name > $rl_home/run.out 2>&1
  out=$(pm inspect --format '{{.State.Status}}' web-$name 2>&1)
  check "$name slirp4netns: rootless podman run -d -p 18080:80" eq "$out" running
  [[ $out == running ]] || echo "# $(tail -n 3 $rl_home/run.out | tr '\n' ' ')" >> $tap.part
  check "$name slirp4netns: the guest fetches the container's page through -p" eq "$(rl_fetch http://127.0.0.1:18080/index.html)" "served-by-$name"
  out=$(pm exec web-$name sh -c 'grep -o tap0 /proc/net/dev; timeout 10 wget -q -O- http://10.0.2.2:18090/index.html' 2>&1)
  check "$name slirp4netns: the container has slirp's tap0" eq "$(head -n 1 <<<"$out")" tap0
  check "$name slirp4netns: the container fetches from the guest side" eq "$(tail -n +2 <<<"$out")" from-the-guest
  # pasta, attached to the namespaces of a --network none container's init.
  pm run -d --name pweb-$name --network none localhost/bb sh -c "$rl_serve" $name > $rl_home/run.out 2>&1
  pid=$(pm inspect --format '{{.State.Pid}}' pweb-$name 2>&1)
  check "$name pasta: rootless podman run -d --network none" test "${pid:-0}" -gt 0
  rl_as_user pasta --config-net -t 18081:80 -u none -T none -U none -P $rl_home/pasta.pid \
    -l $rl_home/pasta.log "$pid" > $rl_home/pasta.out 2>&1
  check "$name pasta: attached to the container's namespaces" test -s $rl_home/pasta.pid
  [[ -s $rl_home/pasta.pid ]] || echo "# $(tail -n 3 $rl_home/pasta.out $rl_home/pasta.log 2>&1 | tr '\n' ' ')" >> $tap.part
  check "$name pasta: the guest fetches the container's page through -t" eq "$(rl_fetch http://127.0.0.1:18081/index.html)" "served-by-$name"
  out=$(pm exec pweb-$name timeout 10 wget -q -O- http://10.99.0.2:18090/index.html 2>&1)
  check "$name pasta: the container fetches from the guest side (gateway mapped)" eq "$out" from-the-guest
  [[ -s $rl_home/pasta.pid ]] && kill "$(cat $rl_home/pasta.pid)" 2>/dev/null
  rm -f $rl_home/pasta.pid
  pm rm -f -t 0 web-$name pweb-$name > /dev/null 2>&1
  echo "# $name: $((SECONDS - t0)) s" >> $tap.part
}

rl_t1=$SECONDS
if rl_as_user podman import --change 'CMD=["/bin/sh"]' $rl_home/bb.tar localhost/bb > $rl_home/import.out 2>&1; then
  ok "rootless podman imports the busybox image in the guest"
  echo "# import: $((SECONDS - rl_t1)) s" >> $tap.part
  rl_check_runtime berth $rl_home/bin/berth
  [[ -z ${RL_ONLY_BERTH:-} ]] && rl_check_runtime runc /usr/sbin/runc
  check "rootless podman: no container left" eq "$(rl_as_user podman ps -aq 2>&1)" ""
else
  nok "rootless podman imports the busybox image in the guest" "$(tail -n 3 $rl_home/import.out)"
fi
echo "# rootless networking checks took $(( $(date +%s) - rl_t0 )) s" >> $tap.part
# Nothing of the user's left running; the guest's /etc as it was.
kill $rl_httpd 2>/dev/null
pkill -KILL -U $rl_uid 2>/dev/null
sleep 0.5
for f in passwd group subuid subgid; do umount /etc/$f; done
ip link del rlnet0

# Sourced by guest-criu.sh: checkpoint --page-server and --lazy-pages (with --status-fd),
# restore --lazy-pages, as runc's checkpoint.bats drives them, against criu's own
# page-server and lazy-pages daemons on 127.0.0.1. Uses $berth, $cg, bundle, check, eq.
t1=$(date +%s)
mkdir -p /tmp/cr-data7
d7=$(bundle cr7 '.process.args=["sh","-c","i=0; while :; do i=$((i+1)); echo $i > /data/count; sleep 0.1; done"] | .mounts += [{"destination":"/data","type":"bind","source":"/tmp/cr-data7","options":["rbind","rw"]}]')
count7() { local v k; for k in 1 2 3 4 5; do v=$(cat /tmp/cr-data7/count 2>/dev/null); [[ -n $v ]] && break; sleep 0.05; done; echo "${v:-0}"; }
# start7 ID: the counter with stdout a pipe, as in guest-criu.sh.
start7() { { $berth create -b $d7 $1 < /dev/null 2>/dev/null && $berth start $1; } | cat > /dev/null & sleep 1; }
restore7() { { $berth restore -d "$@" < /dev/null 2>/tmp/cr7.err; echo $? > /tmp/cr7.rc; } | cat > /dev/null & }
rm -f /tmp/cr7.rc; start7 cr7

# 1. --page-server: the pages go to criu's page server, the rest to --image-path; restore
# needs both in one directory.
mkdir -p /tmp/cr-ps-pages /tmp/cr-ps
criu page-server -d --address 127.0.0.1 --port 27027 --images-dir /tmp/cr-ps-pages -o /tmp/cr-ps-pages/ps.log
err=$($berth checkpoint --page-server 127.0.0.1:27027 --image-path /tmp/cr-ps cr7 2>&1)
check "checkpoint --page-server" eq "$err" ""
echo "# $(grep -m3 Error /tmp/cr-ps/dump.log /tmp/cr-ps-pages/ps.log)" >> $tap.part
c7=$(count7)
check "--page-server: the pages went to the page server, not --image-path" \
  test -n "$(ls /tmp/cr-ps-pages/pages-*.img 2>/dev/null)" -a -z "$(ls /tmp/cr-ps/pages-*.img 2>/dev/null)"
cp /tmp/cr-ps-pages/*.img /tmp/cr-ps/
restore7 -b $d7 --image-path /tmp/cr-ps cr7
waitrc /tmp/cr7.rc > /dev/null
check "restore of the page server's checkpoint" eq "$(cat /tmp/cr7.err)" ""
sleep 1
check "--page-server: restored, counting on from where it was" test "$(count7)" -gt "$c7"
$berth delete --force cr7 2>/dev/null

# 2. --lazy-pages: needs userfaultfd for non-cooperative processes.
if ! criu check --feature uffd-noncoop > /tmp/cr-uffd 2>&1; then
  echo "# $(tr '\n' ' ' < /tmp/cr-uffd)" >> $tap.part
  ok "# SKIP lazy pages: criu check --feature uffd-noncoop fails on this guest"
else
  rm -f /tmp/cr7.rc; start7 cr8
  mkdir -p /tmp/cr-lazy; mkfifo /tmp/cr-status
  $berth checkpoint --lazy-pages --page-server 127.0.0.1:27028 --status-fd 9 --image-path /tmp/cr-lazy cr8 \
    9> /tmp/cr-status > /tmp/cr8.out 2>&1 &
  cpt=$!
  st=$(timeout 60 dd if=/tmp/cr-status bs=1 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
  echo "# $(grep -m3 Error /tmp/cr-lazy/dump.log)" >> $tap.part
  check "checkpoint --lazy-pages: --status-fd gets \\0 when the dump is ready" eq "$st" 00
  c8=$(count7)
  check "checkpoint --lazy-pages: still serving pages (berth checkpoint waits for criu)" kill -0 $cpt
  check "--lazy-pages: the images are written" test -s /tmp/cr-lazy/inventory.img
  criu lazy-pages --page-server --address 127.0.0.1 --port 27028 -D /tmp/cr-lazy -o lazy.log &
  lp=$!
  for i in $(seq 50); do [[ -S /tmp/cr-lazy/lazy-pages.socket ]] && break; sleep 0.1; done
  # Under a new id and cgroup, as runc's test does: cr8 exists until its checkpoint ends.
  mkdir -p /tmp/b-cr9
  jq '.linux.cgroupsPath="'$(cgroups_path cr9)'" | .root.path="'$d7'/rootfs"' $d7/config.json > /tmp/b-cr9/config.json
  restore7 -b /tmp/b-cr9 --lazy-pages --image-path /tmp/cr-lazy cr9
  waitrc /tmp/cr7.rc > /dev/null
  check "restore --lazy-pages" eq "$(cat /tmp/cr7.err)" ""
  echo "# $(grep -m3 Error /tmp/cr-lazy/restore.log /tmp/cr-lazy/lazy.log)" >> $tap.part
  sleep 1
  check "--lazy-pages: restored, counting on from where it was" test "$(count7)" -gt "$c8"
  for i in $(seq 100); do kill -0 $cpt 2>/dev/null || break; sleep 0.1; done
  kill $cpt 2>/dev/null  # still running: the check below fails
  check "--lazy-pages: the checkpoint ended once the pages were pulled, successfully" wait $cpt
  echo "# $(cat /tmp/cr8.out)" >> $tap.part
  for i in $(seq 100); do kill -0 $lp 2>/dev/null || break; sleep 0.1; done
  check "--lazy-pages: criu lazy-pages ended" eval '! kill -0 $lp 2>/dev/null'
  check "--lazy-pages: the checkpointed container is gone" eq "$($berth list -q | grep -c '^cr8$')" 0
  $berth delete --force cr9 2>/dev/null; $berth delete --force cr8 2>/dev/null; kill $lp 2>/dev/null
fi
check "no page server left" eq "$(pgrep -c -x criu)" 0
echo "# page server and lazy pages took $(( $(date +%s) - t1 )) s" >> $tap.part

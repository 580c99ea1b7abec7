#!/usr/bin/python3
"""contrib/kubernetes's manifests parse as YAML and carry the fields Kubernetes needs:
RuntimeClasses with handler "berth" and a scheduling.nodeSelector on the installer's
label, pods naming a RuntimeClass defined here (the GPU pod asking for nvidia.com/gpu),
and a privileged DaemonSet mounting the host paths install-node.sh writes, with
HOST_ROOT set. Prints TAP; exit 1 on a failed check.
    tests/kubernetes/manifests.py contrib/kubernetes
"""
import os
import sys

import yaml

checks = 0
failed = 0


def check(name, cond, detail=""):
    global checks, failed
    checks += 1
    if cond:
        print(f"ok {checks} - {name}")
    else:
        failed += 1
        print(f"not ok {checks} - {name}" + (f"\n#   {detail}" if detail else ""))


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def main():
    top = sys.argv[1]
    docs = {}
    for name in sorted(os.listdir(top)):
        if name.endswith(".yaml"):
            try:
                docs[name] = load(os.path.join(top, name))
                check(f"{name} parses", True)
            except yaml.YAMLError as e:
                check(f"{name} parses", False, str(e).replace("\n", " "))
                docs[name] = []
    for name, ds in docs.items():
        for d in ds:
            check(f"{name}: {d.get('kind')} has apiVersion, kind and metadata.name",
                  all(d.get(k) for k in ("apiVersion", "kind")) and d.get("metadata", {}).get("name"))
    rcs = {d["metadata"]["name"]: d for d in docs.get("runtimeclass.yaml", []) if d.get("kind") == "RuntimeClass"}
    check("RuntimeClasses berth and berth-gpu", set(rcs) == {"berth", "berth-gpu"}, str(sorted(rcs)))
    for n, rc in rcs.items():
        check(f"RuntimeClass {n}: node.k8s.io/v1, handler berth",
              rc.get("apiVersion") == "node.k8s.io/v1" and rc.get("handler") == "berth")
        sel = rc.get("scheduling", {}).get("nodeSelector", {})
        check(f"RuntimeClass {n}: nodeSelector berth.io/runtime=\"true\" (a string)",
              sel.get("berth.io/runtime") == "true", str(sel))
    check("RuntimeClass berth-gpu: nodeSelector berth.io/gpu=\"true\"",
          rcs.get("berth-gpu", {}).get("scheduling", {}).get("nodeSelector", {}).get("berth.io/gpu") == "true")
    pods = {d["metadata"]["name"]: d for ds in docs.values() for d in ds if d.get("kind") == "Pod"}
    check("example pods notebook and gpu-training", {"notebook", "gpu-training"} <= set(pods), str(sorted(pods)))
    for n, p in pods.items():
        check(f"pod {n}: runtimeClassName is defined here", p["spec"].get("runtimeClassName") in rcs,
              str(p["spec"].get("runtimeClassName")))
        check(f"pod {n}: every container has a name and an image",
              all(c.get("name") and c.get("image") for c in p["spec"].get("containers", [])))
    gpu = pods.get("gpu-training", {}).get("spec", {})
    check("GPU pod: runtimeClassName berth-gpu, limits nvidia.com/gpu",
          gpu.get("runtimeClassName") == "berth-gpu"
          and any("nvidia.com/gpu" in c.get("resources", {}).get("limits", {}) for c in gpu.get("containers", [])))
    dss = [d for d in docs.get("daemonset.yaml", []) if d.get("kind") == "DaemonSet"]
    check("daemonset.yaml has one DaemonSet (apps/v1)", len(dss) == 1 and dss[0].get("apiVersion") == "apps/v1")
    if dss:
        spec = dss[0]["spec"]
        tmpl = spec["template"]
        check("DaemonSet selector matches its pod labels",
              spec["selector"]["matchLabels"].items() <= tmpl["metadata"]["labels"].items())
        inits = tmpl["spec"].get("initContainers", [])
        inst = next((c for c in inits if "install" in c.get("command", [])), None)
        check("DaemonSet: an init container runs install-node.sh install", inst is not None)
        if inst:
            env = {e["name"]: e for e in inst.get("env", [])}
            check("installer: privileged, HOST_ROOT=/host, NODE_NAME from spec.nodeName",
                  inst.get("securityContext", {}).get("privileged") is True
                  and env.get("HOST_ROOT", {}).get("value") == "/host"
                  and env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName")
            vols = {v["name"]: v.get("hostPath", {}).get("path") for v in tmpl["spec"].get("volumes", [])}
            mounts = {m["mountPath"]: vols.get(m["name"]) for m in inst.get("volumeMounts", [])}
            for host in ("/etc/containerd", "/usr/local", "/var/lib/berth-install"):
                check(f"installer mounts the host's {host} at /host{host}", mounts.get("/host" + host) == host, str(mounts))
        check("DaemonSet: hostPID (containerd is restarted through PID 1's namespaces)",
              tmpl["spec"].get("hostPID") is True)
        sa = tmpl["spec"].get("serviceAccountName")
        roles = [d for d in docs["daemonset.yaml"] if d.get("kind") == "ClusterRole"]
        check("its service account may patch nodes (labels)",
              any(r["metadata"]["name"] == sa and any("nodes" in ru.get("resources", []) and "patch" in ru.get("verbs", [])
                                                    for ru in r.get("rules", [])) for r in roles))
    print(f"1..{checks}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

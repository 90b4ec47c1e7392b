#!/usr/bin/env python3
"""Starts a systemd service unit the way systemd would, where no systemd runs (the test container).

    unit-runner.py UNIT_FILE [--env NAME=VALUE]...

Emulates the [Service] keys contrib/systemd/milter.service relies on: Type=notify (a NOTIFY_SOCKET bound here;
READY=1 and STOPPING=1 accepted from the main process only, as NotifyAccess=main), ExecStart= (no prefixes),
User=, Group=, SupplementaryGroups=, UMask=, NoNewPrivileges=, Environment=, RuntimeDirectory= and
RuntimeDirectoryMode= (/run/NAME, created for User:Group, removed at exit), StateDirectory= and StateDirectoryMode=
(/var/lib/NAME, created if missing, given to User:Group), $RUNTIME_DIRECTORY, $STATE_DIRECTORY.
--env adds variables as a drop-in's Environment= would. The service's output passes through; this program prints
"unit-runner: READY=1 pid N", "unit-runner: STOPPING=1" and "unit-runner: exited N" on stdout. SIGTERM and SIGHUP
are passed to the service (systemctl stop / reload); after TimeoutStopSec= (default 90 s) it is killed.
Exit status: the service's (1 if it could not be started).
"""

import ctypes
import grp
import os
import pwd
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SUPPORTED_PREFIXES = "-@+!:|"


def say(text):
    # One write(2) per line: the service writes to the same stdout, and a line split over two writes can be cut in
    # two by the service's output (the tests match whole lines).
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), f"unit-runner: {text}\n".encode())


def parse_unit(path):
    service = {}
    section = None
    with open(path, encoding="utf-8") as unit:
        for raw in unit:
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            if section != "Service" or "=" not in line:
                continue
            key, value = line.split("=", 1)
            service.setdefault(key.strip(), []).append(value.strip())
    return service


def last(service, key, default=None):
    values = service.get(key)
    return values[-1] if values else default


def mode_of(text, default):
    return int(text, 8) if text else default


def prepare_directories(service, kind, root, uid, gid, env):
    """RuntimeDirectory= or StateDirectory= (kind "Runtime" or "State"): each NAME as root/NAME, created if missing,
    given to the service's user with the unit's mode, and $RUNTIME_DIRECTORY or $STATE_DIRECTORY set."""
    paths = []
    for name in " ".join(service.get(f"{kind}Directory", [])).split():
        path = os.path.join(root, name)
        os.makedirs(path, exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode_of(last(service, f"{kind}DirectoryMode"), 0o755))
        paths.append(path)
    if paths:
        env[f"{kind.upper()}_DIRECTORY"] = ":".join(paths)
    return paths


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    unit_path = argv[1]
    extra_env = {}
    args = argv[2:]
    while args:
        if args[0] == "--env" and len(args) >= 2 and "=" in args[1]:
            name, value = args[1].split("=", 1)
            extra_env[name] = value
            args = args[2:]
        else:
            print(f"unit-runner: bad argument {args[0]!r}", file=sys.stderr)
            return 2

    service = parse_unit(unit_path)
    if last(service, "Type") != "notify":
        say(f"{unit_path}: only Type=notify is emulated")
        return 1
    exec_start = last(service, "ExecStart")
    if not exec_start or exec_start[0] in SUPPORTED_PREFIXES:
        say(f"{unit_path}: ExecStart missing or with a prefix this runner does not emulate: {exec_start!r}")
        return 1
    command = shlex.split(exec_start)
    user = pwd.getpwnam(last(service, "User", "root"))
    group = grp.getgrnam(last(service, "Group", grp.getgrgid(user.pw_gid).gr_name))
    groups = [grp.getgrnam(name).gr_gid for value in service.get("SupplementaryGroups", []) for name in value.split()]
    umask = mode_of(last(service, "UMask"), 0o022)
    no_new_privileges = last(service, "NoNewPrivileges", "no") == "yes"

    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "HOME": user.pw_dir, "USER": user.pw_name, "LOGNAME": user.pw_name, "SHELL": user.pw_shell}
    for value in service.get("Environment", []):
        for assignment in shlex.split(value):
            name, _, val = assignment.partition("=")
            env[name] = val
    runtime_dirs = prepare_directories(service, "Runtime", "/run", user.pw_uid, group.gr_gid, env)
    prepare_directories(service, "State", "/var/lib", user.pw_uid, group.gr_gid, env)
    env.update(extra_env)

    notify_dir = tempfile.mkdtemp(prefix="unit-runner-")
    os.chmod(notify_dir, 0o711)
    notify_path = os.path.join(notify_dir, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    os.chmod(notify_path, 0o666)
    notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    notify.settimeout(0.2)
    env["NOTIFY_SOCKET"] = notify_path

    libc = ctypes.CDLL(None, use_errno=True)

    def become_service_user():
        os.setgroups(groups)
        os.setgid(group.gr_gid)
        os.setuid(user.pw_uid)
        os.umask(umask)
        if no_new_privileges and libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")

    try:
        child = subprocess.Popen(command, env=env, cwd="/", preexec_fn=become_service_user, close_fds=True)
    except OSError as error:
        say(f"cannot start {command[0]}: {error}")
        cleanup(notify, notify_dir, runtime_dirs, service)
        return 1

    stop_deadline = None
    stop_timeout = float(last(service, "TimeoutStopSec", "90").rstrip("s"))

    def on_signal(number, _frame):
        nonlocal stop_deadline
        if child.poll() is None:
            child.send_signal(number)
        if number == signal.SIGTERM and stop_deadline is None:
            stop_deadline = time.monotonic() + stop_timeout

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGINT, lambda n, f: on_signal(signal.SIGTERM, f))

    credentials = struct.calcsize("3i")
    while child.poll() is None:
        if stop_deadline is not None and time.monotonic() > stop_deadline:
            say(f"still running {stop_timeout} s after SIGTERM: SIGKILL")
            child.kill()
        try:
            message, ancillary, _flags, _address = notify.recvmsg(4096, socket.CMSG_SPACE(credentials))
        except (socket.timeout, InterruptedError):
            continue
        pid = None
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid, _uid, _gid = struct.unpack("3i", data[:credentials])
        if pid != child.pid:
            say(f"ignored a notification from pid {pid} (NotifyAccess=main)")
            continue
        for field in message.decode("utf-8", "replace").split("\n"):
            if field == "READY=1":
                say(f"READY=1 pid {child.pid}")
            elif field == "STOPPING=1":
                say("STOPPING=1")
    code = child.wait()
    say(f"exited {code}")
    cleanup(notify, notify_dir, runtime_dirs, service)
    return code if code >= 0 else 128 - code


def cleanup(notify, notify_dir, runtime_dirs, service):
    notify.close()
    shutil.rmtree(notify_dir, ignore_errors=True)
    if last(service, "RuntimeDirectoryPreserve", "no") != "yes":
        for path in runtime_dirs:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

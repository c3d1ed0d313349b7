# Shared by the scripts that run a private copy of a Debian-packaged server under one directory
# (scripts/redis.sh, scripts/alertmanager.sh, scripts/clickhouse.sh). Source it after setting:
#   name      the server's name in messages
#   pidfile   DIR/<name>.pid, the only pid these functions ever signal
#   marker    an argument of the server's own command line that names DIR (guards against a recycled pid);
#             a server that rewrites its process title defines its own `ours PID` instead
# and, for stop, grace (tenths of a second to wait after TERM before KILL; default 50).

# A pid that exists and is not a zombie (a stopped server may wait ~2 s for its reaper).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1)" != Z ]; }

# Whether a live pid is the server started for this DIR (by its marker argument).
declare -F ours > /dev/null || ours() { tr '\0' '\n' < "/proc/$1/cmdline" 2> /dev/null | grep -qxF -- "$marker"; }

# The pid file names a live server started for this DIR.
running() {
  local pid
  pid=$(cat "$pidfile" 2> /dev/null) && [ -n "$pid" ] && alive "$pid" && ours "$pid"
}

stop() {
  local pid
  if running; then
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq "${grace:-50}"); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then kill -KILL "$pid" 2> /dev/null || true; for _ in $(seq 25); do alive "$pid" || break; sleep 0.2; done; fi
    echo "$name: stopped pid $pid"
  fi
  rm -f "$pidfile"
}

# Installs Debian packages without letting their own services start (they would take the default ports).
install_quietly() {
  local made_policy=
  [ -e /usr/sbin/policy-rc.d ] || { made_policy=1; trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d; }
  apt_get_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" > /dev/null; }
  apt_get_install "$@" 2> /dev/null || { apt-get update -qq > /dev/null && apt_get_install "$@"; }
  [ -z "$made_policy" ] || { rm -f /usr/sbin/policy-rc.d; trap - EXIT; }
}

# Refuses to start when something else answers on the port (it would pass the ready check in our stead).
port_free() {
  if (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; then echo "$name: port $1 is already in use" >&2; return 1; fi
}

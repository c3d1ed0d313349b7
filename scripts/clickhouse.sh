#!/usr/bin/env bash
# A private ClickHouse server for benchmarks and tests, kept entirely under one directory.
#   scripts/clickhouse.sh start DIR [HTTP_PORT]   (HTTP_PORT default 18123; TCP = +1, interserver = +2)
#   scripts/clickhouse.sh stop DIR
# CLICKHOUSE_SHARDS="127.0.0.1:TCP_PORT,…" defines a cluster `sluice` of those shards (for Distributed tables).
# Every server has a user `sluice_reader` (no password, loopback only) with readonly=2: what Sluice's custom SQL runs as.
# It only ever signals the pid it wrote to DIR/clickhouse.pid, never a process found by name.
set -euo pipefail

usage() { echo "usage: $0 start DIR [HTTP_PORT] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] && { [ "$1" = start ] || [ "$1" = stop ]; } || usage
cmd=$1
# Installing, chown and switching to the clickhouse user all need root: re-run under sudo once.
[ "$(id -u)" = 0 ] || exec sudo -- bash "$0" "$@"
[ "$cmd" = start ] && mkdir -p "$2"
[ -d "$2" ] || exit 0  # stop: nothing was ever started there
dir=$(cd "$2" && pwd)
pidfile=$dir/clickhouse.pid

# Merges and log flushes can take a while before TERM is honoured: 30 s, then KILL.
name=clickhouse marker=--config-file=$dir/config.xml grace=150
. "$(dirname "$0")/lib/servers.sh"

if [ "$cmd" = stop ]; then stop; exit 0; fi
port=${3:-18123}

# Debian ships the server as /usr/sbin/clickhouse-server (18.16); newer packages have one `clickhouse` binary.
find_server() {
  if [ -x /usr/sbin/clickhouse-server ]; then server=(/usr/sbin/clickhouse-server)
  elif [ -x /usr/bin/clickhouse-server ]; then server=(/usr/bin/clickhouse-server)
  elif [ -x /usr/bin/clickhouse ]; then server=(/usr/bin/clickhouse server)
  else return 1; fi
}
if ! find_server; then
  install_quietly clickhouse-server
  find_server || { echo "clickhouse: no server binary after installing clickhouse-server" >&2; exit 1; }
fi

if running; then
  port=$(sed -n 's:.*<http_port>\([0-9]*\)</http_port>.*:\1:p' "$dir/config.xml")
  echo "clickhouse: http://127.0.0.1:$port/ (already running, pid $(cat "$pidfile"))"
  exit 0
fi

# A server already on one of our ports would answer the ping in our stead.
for p in "$port" $((port + 1)) $((port + 2)); do
  if (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then echo "clickhouse: port $p is already in use" >&2; exit 1; fi
done

# Our own config: loopback only, every path under DIR, small caches (this is a 2-core box
# shared with the build), and zstd for every part so benchmarks measure the realistic on-disk size.
python3 - /etc/clickhouse-server/config.xml "$dir" "$port" "${CLICKHOUSE_SHARDS:-}" << 'EOF'
import sys, xml.etree.ElementTree as ET
src, d, port, shards = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
tree = ET.parse(src)  # comments (and the commented-out listeners in them) are dropped
root = tree.getroot()
# Other listeners, and sections that include from /etc/metrika.xml or point at port 9000.
for tag in ('listen_host', 'https_port', 'tcp_port_secure', 'mysql_port', 'postgresql_port', 'grpc_port',
            'interserver_https_port', 'prometheus', 'remote_servers', 'zookeeper', 'macros', 'compression'):
    for e in root.findall(tag):
        root.remove(e)
logger = root.find('logger')
logger.find('log').text = d + '/log/clickhouse-server.log'
logger.find('errorlog').text = d + '/log/clickhouse-server.err.log'
for tag, value in (('listen_host', '127.0.0.1'), ('http_port', port), ('tcp_port', port + 1),
                   ('interserver_http_port', port + 2), ('path', d + '/data/'), ('tmp_path', d + '/data/tmp/'),
                   ('user_files_path', d + '/data/user_files/'), ('format_schema_path', d + '/data/format_schemas/'),
                   ('mark_cache_size', 268435456), ('uncompressed_cache_size', 268435456)):
    e = root.find(tag)
    if e is None:
        e = ET.SubElement(root, tag)
    e.text = str(value)
case = ET.SubElement(ET.SubElement(root, 'compression'), 'case')
for tag, value in (('min_part_size', '0'), ('min_part_size_ratio', '0'), ('method', 'zstd'), ('level', '1')):
    ET.SubElement(case, tag).text = value
if shards:
    cluster = ET.SubElement(ET.SubElement(root, 'remote_servers'), 'sluice')
    for address in shards.split(','):
        host, tcp = address.rsplit(':', 1)
        replica = ET.SubElement(ET.SubElement(cluster, 'shard'), 'replica')
        ET.SubElement(replica, 'host').text = host
        ET.SubElement(replica, 'port').text = tcp
tree.write(d + '/config.xml')
users = ET.parse(src.replace('config.xml', 'users.xml'))  # users_config is relative to our config
for e in users.iter():
    e.attrib.pop('incl', None)  # no /etc/metrika.xml substitutions: the lists in the file stand as written
# The reader Sluice's custom SQL runs as: reads only (readonly=2 still lets Sluice set each query's limits), and
# only the `sluice` database (ClickHouse always lets a user read `system`; Sluice's own check refuses it).
profiles, users_root = users.getroot().find('profiles'), users.getroot().find('users')
reader_profile = ET.SubElement(profiles, 'sluice_reader')
for tag, value in (('readonly', '2'), ('max_execution_time', '30'), ('max_memory_usage', '1073741824')):
    ET.SubElement(reader_profile, tag).text = value
reader = ET.SubElement(users_root, 'sluice_reader')
for tag, value in (('password', ''), ('profile', 'sluice_reader'), ('quota', 'default')):
    ET.SubElement(reader, tag).text = value
ET.SubElement(ET.SubElement(reader, 'networks'), 'ip').text = '127.0.0.1'
ET.SubElement(ET.SubElement(reader, 'allow_databases'), 'database').text = 'sluice'
users.write(d + '/users.xml')
EOF
chmod 755 "$dir"  # the clickhouse user must reach data/, log/ and read the config
chmod 644 "$dir/config.xml" "$dir/users.xml"
mkdir -p "$dir/data" "$dir/log"
chown -R clickhouse:clickhouse "$dir/data" "$dir/log"  # the server refuses data it does not own

# exec in the subshell makes $! the server's own pid (setpriv execs too).
(exec setpriv --reuid=clickhouse --regid=clickhouse --init-groups -- \
  "${server[@]}" --config-file="$dir/config.xml" < /dev/null > "$dir/log/stdout.log" 2>&1) &
pid=$!
echo "$pid" > "$pidfile"

ready() { [ "$(curl -sf "http://127.0.0.1:$port/ping" 2> /dev/null)" = "Ok." ]; }
for _ in $(seq 120); do
  ready && break
  alive "$pid" || break  # died early (port taken, bad config): no point waiting the full minute
  sleep 0.5
done
if ! { ready && running; }; then
  echo "clickhouse: server did not become ready on port $port" >&2
  tail -n 30 "$dir/log/clickhouse-server.err.log" "$dir/log/stdout.log" >&2 2> /dev/null || true
  stop > /dev/null  # leave nothing half-started behind
  exit 1
fi
echo "$port" > "$dir/port"
echo "clickhouse: http://127.0.0.1:$port/"

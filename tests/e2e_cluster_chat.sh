#!/bin/sh
# e2e_cluster_chat.sh: three nodes of one chat through Redis and the real
# client on each, used as people do: a channel joined from all three,
# lines and actions in one order everywhere, nick and topic, names and
# list counts, direct messages and an away reply across nodes, a part and
# a quit seen on the other nodes.  TAP output.
# Usage: sh tests/e2e_cluster_chat.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" cluster_chat
e2e_need_redis
e2e_plan 9
A="" B="" C=""

# node N: txt-chatd nN on a free port through the test's Redis; sets PN
# (its port), SN (its pid) and LN (its log).
node() {
	e2e_server_start 0 --redis "$E2E_REDIS" --node "n$1" || return 1
	eval "P$1=\$E2E_PORT S$1=\$E2E_SRV_PID L$1=\$E2E_SRV_LOG"
}

# node_stop N: SIGTERM; it must exit 0 with no sanitizer report.
node_stop() {
	eval "E2E_SRV_PID=\$S$1 E2E_SRV_LOG=\$L$1"
	e2e_server_stop
}

# Redis, n1 to n3, and alice, bob and carol on n1, n2 and n3.
t_start() {
	e2e_redis_start && node 1 && node 2 && node 3 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$P1" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$P2" -n bob) &&
	    C=$(e2e_client carol -s "127.0.0.1:$P3" -n carol) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| ' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| ' &&
	    e2e_wait_for "$C" '^ \[online\] carol \| '
}

# One channel joined from every node: each hears the later joins, and
# the last to come counts all three.
t_join() {
	e2e_say "$A" "/join lobby" &&
	    e2e_wait_for "$A" 'you joined lobby \(1 member\)' &&
	    e2e_say "$B" "/join lobby" &&
	    e2e_wait_for "$B" 'you joined lobby \(2 members\)' &&
	    e2e_wait_for "$A" ' -- bob joined$' &&
	    e2e_say "$C" "/join lobby" &&
	    e2e_wait_for "$C" 'you joined lobby \(3 members\)' &&
	    e2e_wait_for "$A" ' -- carol joined$' &&
	    e2e_wait_for "$B" ' -- carol joined$' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| lobby \(3\)'
}

# The rows of a pane that are lines said in the channel, as sender text.
said() {
	e2e_capture "$1" |
	    sed -n 's/^[^│]*│[0-9:]* *\(\* \)\{0,1\}\([a-z]* [a-z0-9 ]*\)$/\2/p' |
	    grep -E ' (one|two|three|waves)' | sed 's/ *$//'
}

# Lines and an action said at once on all three nodes: every member
# shows the same four, in the same order.
t_order() {
	e2e_say "$A" "one from n1" &&
	    e2e_say "$B" "two from n2" &&
	    e2e_say "$C" "three from n3" &&
	    e2e_say "$A" "/me waves" || return 1
	for p in "$A" "$B" "$C"; do
		e2e_wait_for "$p" ' one from n1$' &&
		    e2e_wait_for "$p" ' two from n2$' &&
		    e2e_wait_for "$p" ' three from n3$' &&
		    e2e_wait_for "$p" ' \* alice waves$' || return 1
	done
	oa=$(said "$A") ob=$(said "$B") oc=$(said "$C")
	e2e_same "lines on n2" "$ob" "$oa" && e2e_same "lines on n3" "$oc" "$oa" &&
	    e2e_same "lines said" "$(echo "$oa" | wc -l)" 4
}

# A nick and a topic from two nodes reach the others once.
t_nick_topic() {
	e2e_say "$B" "/nick bobby" &&
	    e2e_wait_for "$B" ' -- you are now known as bobby$' &&
	    e2e_wait_for "$A" ' -- bob is now known as bobby$' &&
	    e2e_wait_for "$C" ' -- bob is now known as bobby$' &&
	    e2e_say "$C" "/topic three nodes one chat" &&
	    e2e_wait_for "$A" ' -- carol set the topic: three nodes one chat$' &&
	    e2e_wait_for "$B" '^ \[online\] bobby \| lobby \(3\) \| three nodes one chat' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| lobby \(3\) \| three nodes one chat' &&
	    [ "$(e2e_capture "$A" | grep -c 'is now known as bobby')" = 1 ]
}

# names and list on one node count the members of all three.
t_names_list() {
	e2e_say "$A" "/names" &&
	    e2e_wait_for "$A" ' :: alice  bobby  carol$' &&
	    e2e_wait_for "$A" ' :: lobby: 3 members$' &&
	    e2e_say "$A" "/list" &&
	    e2e_wait_for "$A" ' :: lobby  3 members ' &&
	    e2e_wait_for "$A" ' :: 1 channel$'
}

# A direct message to a user of another node and the answer back.
t_dm() {
	e2e_say "$A" "/msg bobby psst from n1" &&
	    e2e_wait_for "$A" ' :: to bobby: psst from n1$' &&
	    e2e_wait_for "$B" '^ [0-9]!alice +1│' &&
	    e2e_say "$B" "/msg alice back from n2" &&
	    e2e_wait_for "$A" '^ [0-9]!bobby +1│' &&
	    e2e_say "$A" "/query bobby" &&
	    e2e_wait_for "$A" ' alice psst from n1$' &&
	    e2e_wait_for "$A" ' bobby back from n2$'
}

# A direct message to an away user of another node gets its away reply.
t_away() {
	e2e_say "$C" "/away lunch" &&
	    e2e_wait_for "$C" '^ \[online\] carol \(away\) \| ' &&
	    e2e_say "$A" "/msg carol are you there" &&
	    e2e_say "$A" "/query carol" &&
	    e2e_wait_for "$A" '^\[carol\]' &&
	    e2e_wait_for "$A" ' -- carol is away: lunch$' &&
	    e2e_say "$C" "/back" &&
	    e2e_wait_for "$C" '^ \[online\] carol \| '
}

# Carol leaves the channel and bob quits: alice on n1 sees both, and
# counts one member left.
t_part_quit() {
	e2e_say "$A" "/join lobby" &&
	    e2e_wait_for "$A" '^\[lobby\]' &&
	    e2e_say "$C" "/part lobby" &&
	    e2e_wait_for "$A" ' -- carol left$' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| lobby \(2\)' &&
	    e2e_quit_client "$B" &&
	    e2e_wait_for "$A" ' -- bobby quit' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| lobby \(1\)'
}

t_quit() {
	e2e_quit_client "$A" && e2e_quit_client "$C" &&
	    node_stop 1 && node_stop 2 && node_stop 3 && e2e_redis_stop
}

e2e_check "three nodes through one Redis, a client on each" t_start
e2e_check "a channel joined from every node" t_join
e2e_check "lines and an action in one order on every node" t_order
e2e_check "a nick and a topic reach every node once" t_nick_topic
e2e_check "names and list count the members of all nodes" t_names_list
e2e_check "direct messages to and from another node" t_dm
e2e_check "an away user on another node answers" t_away
e2e_check "a part and a quit are seen on the other nodes" t_part_quit
e2e_check "the clients quit and the nodes stop cleanly" t_quit
e2e_done

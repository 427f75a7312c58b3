/*
 * lease.pml - a SPIN model of the lease protocol (docs/lease.md).
 *
 * What is modelled.  One pty.  The subsidiary side (proctype writer) puts
 * numbered items into the host manager H: data bytes, and requests for
 * markers that the daemon must place at the current point of the stream
 * (a zero-length message, XP_ZERO; a pckt message, XP_EVENT), and the
 * subsidiary's last close (the host manager then reads EIO, a
 * zero-length message is due) followed by a reopen.  Every item has its
 * number in the stream, so a reader checks order, loss and duplication
 * with one assertion: the item it takes must be the next one (want).
 * Readers take items from two places: the application's socket A (what
 * the daemon relayed: the data connection and, after a zero-length
 * message, its successor, which is one queue here) and, under the lease,
 * H itself.  A take is one atomic step (recv on A, read on H: the kernel
 * gives each read a contiguous piece), and it is the point at which the
 * item is delivered; so "the takes happen in stream order" is exactly
 * "every reader sees a linearizable byte stream".  Taking one item per
 * read allows more interleavings than the kernel (which may take several
 * at once), so the model over-approximates.
 *
 * Processes: the daemon (daemon/pty.c, daemon/lease.c), two library
 * readers in two processes that share the manager after fork (lib/lease.c,
 * lease_read), a reader that bypasses the library (stdio's __read on A,
 * or a process without libxpty), the writer, a killer that kills the
 * second library reader inside its critical section, and a monitor that
 * checks, when nothing can move any more, that everything was delivered.
 *
 * Memory model: Promela interleaves whole statements, which is
 * sequential consistency.  docs/lease.md makes every access that this
 * model interleaves seq_cst (common/lease.h), so the model is faithful
 * for them; each such access is its own statement here.
 *
 * Bound: the writer's script (ITEMS) and the queue sizes HCAP, ACAP are
 * small; within them the search is exhaustive (pan reports the depth and
 * state count).  Two items in H and A are enough for every interleaving
 * of "data ahead of the lease point" and "data behind it", and the
 * script makes every marker kind appear with data on both sides.
 *
 * Variants (spin -D...), each of which must fail (tests/model/lease.sh):
 *   BROKEN_NODRAIN    the daemon places a marker at once, without ending
 *                     the lease and reading the host manager to EAGAIN
 *   BROKEN_NODREADING a library reader does not wait for the daemon's
 *                     read in flight (lease_enter ignores dreading)
 *   BROKEN_NOINSIDE   the daemon takes the path back without waiting for
 *                     a reader inside its critical section (cs)
 *   BROKEN_SEQFIRST   the daemon counts a send (out_seq) before making it
 *   BROKEN_NOREAP     a killed reader's hold on cs is never released
 *   BROKEN_NODRAINHOLD  no hold after a hangup heard while parked: a
 *                     livelock (found with -DLIVENESS only)
 */

#define RELAY		0	/* LEASE_RELAY: xptyd reads H */
#define LEASED		1	/* LEASE_LEASED: library readers read H */
#define REVOKING	2	/* LEASE_REVOKING: xptyd waits for readers to leave */

#define HINJ		1	/* LEASE_HOLD_INJ: a marker is queued (p->injq) */
#define HHUP		2	/* LEASE_HOLD_HUP: no subsidiary (p->hup) */
#define HDRAIN		4	/* LEASE_HOLD_DRAIN: xptyd reads H to EAGAIN/EIO */
#define HCLOSE		8	/* LEASE_HOLD_CLOSING: the pty is hanging up */

#define GOT		1
#define EAGAIN		2
#define EIO		3
#define RETRY		4

#ifndef HCAP
#define HCAP		2
#endif	/* what H holds before the writer blocks */
#ifndef ACAP
#define ACAP		2
#endif	/* what the socket holds before xptyd's send waits */

/* ---- the lease word (struct lease_block.word, common/lease.h) ---- */
byte	state = RELAY;	/* LEASE_STATE(word) */
byte	holds = 0;	/* LEASE_HOLDS(word): xptyd's reasons to keep the path */
bit	f_eio = 0;	/* LEASE_F_EIO: a library reader read EIO under the lease */

/* ---- other words of struct lease_block ---- */
/*
 * lease_block.dword: one 32-bit word, out_seq << 1 | dreading, written
 * by xptyd alone.  out_seq only grows and readers only compare a copy of
 * it for equality with a later load.  So the model keeps, instead of the
 * counter, one bit per reader that xptyd sets with each increment:
 * sent[i], "out_seq moved since reader i last loaded it".  That is exact
 * for those comparisons and keeps the copies out of the state vector.
 */
bit	dreading = 0;	/* xptyd is between a read of H and its send */
bit	sent[3];	/* out_seq moved since reader i loaded it */
byte	cs = 0;		/* lease_block.cs: the slot inside the critical
			   section (1, 2), or 0 */
bit	alive[3];	/* process 2 may be killed (killer) */

/* ---- the kernel objects ---- */
chan	h = [HCAP] of { byte };	/* the host manager's input queue */
chan	a = [ACAP] of { byte };	/* the application's socket (and successors) */
bit	closed = 0;		/* no subsidiary open: H reads EIO when empty */

/* ---- the writer's side of the requests ---- */
byte	inj_no = 0;	/* an XP_ZERO / XP_EVENT waiting for its reply */
byte	close_no = 0;	/* the stream position of the last close's marker */
bit	hup_noted = 0;	/* someone recorded the last close */

/* ---- xptyd's private state, global so the monitor can see it ---- */
byte	dbuf = 0;	/* p->out: an item read from H, not yet in A */
bit	hup = 0;	/* p->hup */
bit	pclose = 0;	/* a last close noted by a library reader, to place */

#ifndef EXPIRE
#define EXPIRE		1
#endif
byte	expiries = 0;	/* racing ticks so far */

/* ---- the manager's last close (-DHANGUP) ---- */
#ifdef NOBYPASS
byte	nreaders = 2;	/* processes holding the manager (p->nconns) */
#else
byte	nreaders = 3;
#endif
byte	nlib = 2;	/* of which library readers */
bit	closing = 0;	/* p->closing */
bit	destroyed = 0;	/* pty_destroy: the host manager is closed */

/* ---- the check ---- */
byte	want = 1;	/* the number of the next item to be delivered */

/*
 * The writer's script (-DSCRIPT=n): which items the subsidiary side
 * produces, in stream order.
 *   1  byte 1, zero-length message 2, byte 3
 *   2  byte 1, last close 2, reopen, byte 3
 *   3  byte 1, zero-length message 2, byte 3, last close 4, reopen, byte 5
 *   4  byte 1, zero-length message 2, byte 3, pckt message 4, byte 5,
 *      last close 6, reopen
 */
#ifndef SCRIPT
#define SCRIPT	3
#endif
#if SCRIPT == 1 || SCRIPT == 2
#define ITEMS	3
#elif SCRIPT == 3
#define ITEMS	5
#else
#define ITEMS	6
#endif

/* A reader takes an item: it must be the next one in the stream. */
#define deliver(v)	assert(v == want); want++

#ifdef LIVENESS
/*
 * With -DLIVENESS (pan -a -f: acceptance cycles under weak fairness):
 * every fair run delivers everything.  Process 1 never dies and always
 * reads, so no run may leave an item undelivered forever, whatever the
 * others do (a livelock of leases taken and revoked, a reader asleep
 * with data waiting, a revoke that never settles).
 */
ltl all_delivered { <> (want == ITEMS + 1) }
#endif

/*
 * The subsidiary side: write(2) on /dev/pts/N, relay_zero_write and
 * relay_event (lib/relay.c: they return when xptyd has placed the
 * marker, pty_inj_done), and the last close and a reopen.
 */
proctype writer()
{
	/*
	 * (Every step may block for good once the pty is hung up: in -DHANGUP
	 * runs the subsidiary gets EIO then.  The monitor's assertion is what
	 * checks that the writer got through otherwise.)
	 */
end_w1:	h!1;				/* write(): one byte into H */
#if SCRIPT == 2
	atomic { close_no = 2; closed = 1 }	/* the last close of /dev/pts/N */
end_w2:	hup_noted == 1;			/* (see below) */
	closed = 0;			/* open("/dev/pts/N") again */
end_w3:	h!3
#else
	inj_no = 2;			/* relay_zero_write: XP_ZERO */
end_w4:	inj_no == 0;			/* ... its reply (pty_inj_done) */
end_w5:	h!3;
#if SCRIPT == 4
	inj_no = 4;			/* relay_event: XP_EVENT, a pckt message */
end_w6:	inj_no == 0;
end_w7:	h!5;
	atomic { close_no = 6; closed = 1 }
end_w8:	hup_noted == 1;
	closed = 0
#elif SCRIPT == 3
	atomic { close_no = 4; closed = 1 }
	/*
	 * Reopen only once the close was recorded: a reopen before anyone
	 * (xptyd or a library reader) has seen the EIO erases the close in
	 * the kernel, in every engine; that race is not the lease's.
	 */
end_w9:	hup_noted == 1;
	closed = 0;
end_w10:	h!5
#endif
#endif
}

/*
 * A library reader: lib/lease.c, lease_read() and what it calls.  i is
 * its process (lease_slot index).  Process 2 may be killed inside its
 * critical section; process 1 never dies, so at quiescence everything
 * must have been delivered.
 */
proctype lib(byte i)
{
	bit	need = 1;	/* A may hold something: recv first */
	bit	w, d, t;	/* loaded: leased?  dreading, out_seq moved? */
	byte	v, r;

	/*
	 * Each atomic block below holds one access to shared state (a load,
	 * a store, a CAS or a system call) and the local steps around it;
	 * such a block is indistinguishable from its single access to the
	 * other processes, so this reduces states without losing behaviour.
	 */
	{
end_top:
	do
#ifdef HANGUP
	:: atomic { nlib--; nreaders--; alive[i] = 0 }	/* close() */
#endif
	:: true ->
again:
		/*
		 * lease_read.  s = load(out_seq); A first unless it is known
		 * empty: out_seq has not moved since the load before the recv
		 * that found it empty (aseen).
		 */
		atomic { need = need | sent[i]; sent[i] = 0; w = 0; d = 0;
		    t = 0; r = 0 };
		if
		:: need ->
			/* recv(A, MSG_DONTWAIT) */
			atomic {
				if
				:: len(a) > 0 -> a?v; deliver(v); v = 0; goto done
				:: else -> need = 0	/* aseen = s */
				fi
			}
		:: else -> skip
		fi;
		/* lease_enter: signals blocked, CAS cs 0 -> my slot (seq_cst) */
end_sleep_cs:
		atomic { cs == 0 -> cs = i };	/* (futex on cs while busy) */
		/*
		 * lease_take, inside: CAS word RELAY, no holds -> LEASED;
		 * failed or not, the CAS returns the word (w).
		 */
		atomic {
			if
			:: state == RELAY && holds == 0 && !f_eio ->
				state = LEASED
			:: else -> skip
			fi;
			w = (state == LEASED)
		}
		/* load dword: dreading, and out_seq (t: moved since s) */
#ifdef BROKEN_NODREADING
		atomic { d = 0; t = sent[i]; r = RETRY };
#else
		atomic { d = dreading; t = sent[i]; r = RETRY };
#endif
		if
		:: w && !d && !t ->
			/* read(H), non-blocking */
			atomic {
				if
				:: len(h) > 0 -> h?v; deliver(v); v = 0; r = GOT
				:: else ->
					if
					:: closed -> r = EIO
					:: else -> r = EAGAIN
					fi
				fi
			}
		:: else -> skip
		fi;
		if
		:: r == EIO ->
			/*
			 * lease_note_eio, still inside: word |= F_EIO, state
			 * REVOKING.  The word is LEASED or REVOKING here (xptyd
			 * cannot settle while cs is held), so no other reader
			 * reads H until xptyd has placed the close's marker.
			 */
			atomic { state = REVOKING; f_eio = 1; hup_noted = 1 }
		:: else -> skip
		fi;
		cs = 0;					/* lease_leave */
		if
		:: r == GOT -> goto done
		:: r == EIO -> skip	/* (XP_SYNC hurries xptyd); read A */
		:: r == EAGAIN ->
			/* lease_wait: ppoll({A, H}) */
end_sleep_ah:		(len(a) > 0 || len(h) > 0 || closed)
		:: r == RETRY && t -> skip	/* something was sent: A again */
		:: r == RETRY && !t && d ->
			/* lease_wait: futex on dword, woken by any change */
end_sleep_d:		(dreading != d || sent[i])
		:: r == RETRY && !t && !d ->
			/* not leased: lease_wait polls A alone */
end_sleep_a:		len(a) > 0
		fi;
		goto again;
done:
		atomic { w = 0; d = 0; t = 0; r = 0 }
	od
	} unless { alive[i] == 0 }
}

/*
 * A reader that bypasses the library: stdio's __read on the socket, or a
 * process without libxpty.  It only ever reads A; it takes one item.
 */
proctype bypass()
{
	byte	v;

end_wait:
	atomic { a?v; deliver(v) };
#ifdef HANGUP
	nreaders--			/* and it closes the manager */
#endif
}

/* Kill process 2 while it is inside its critical section. */
proctype killer()
{
end_wait:
	atomic {
		alive[2] && cs == 2 -> alive[2] = 0;
#ifdef HANGUP
		nlib--; nreaders--
#endif
	}
}

/*
 * xptyd: one libevent loop.  Each alternative is a callback; a callback
 * runs to its end (the daemon is single-threaded), but the processes
 * sharing the page interleave with each of its steps.
 */
proctype daemon()
{
end_loop:
	do
	/*
	 * pty_mread_cb -> pty_pump_out: one read of H (EV_READ, level),
	 * or the read that finds EAGAIN and places the next injection
	 * (pty_drained), or the place of a last close.
	 */
	:: state == RELAY && dbuf == 0 &&
	    (pclose || (!hup && (len(h) > 0 || closed || inj_no != 0))) ->
		dreading = 1;			/* lease_may_read: store */
		if
		:: state != RELAY ->		/* ... load word: leased */
			dreading = 0		/* lease_park */
		:: else ->
			atomic {
				if
				:: pclose ->
					/* pty_subsid_closed, noted by a reader */
					dbuf = close_no; pclose = 0; hup = 1;
					hup_noted = 1
				:: else ->
					if
					:: len(h) > 0 -> h?dbuf	/* read(H) */
					:: else ->
						if
						:: closed ->
							/* EIO: pty_subsid_closed */
							dbuf = close_no; hup = 1;
							hup_noted = 1;
							holds = (holds | HHUP) & ~HDRAIN;
							if
							:: state == LEASED -> state = REVOKING
							:: else -> skip
							fi
						:: else ->
							/* EAGAIN: pty_drained */
							holds = holds & ~HDRAIN;
							if
							:: inj_no != 0 ->
								dbuf = inj_no; inj_no = 0;
								holds = holds & ~HINJ
							:: else -> skip
							fi
						fi
					fi
				fi
			}
			if
			:: dbuf == 0 -> dreading = 0	/* lease_read_done */
			:: else -> skip
			fi
		fi
	/* pty_out_flush: send what was read (or the marker) into A */
	:: dbuf != 0 && len(a) < ACAP ->
#ifdef BROKEN_SEQFIRST
		atomic { sent[1] = 1; sent[2] = 1 };	/* wrong: before the send */
		atomic { a!dbuf; dbuf = 0 };
#else
		atomic { a!dbuf; dbuf = 0 };
		atomic { sent[1] = 1; sent[2] = 1 };	/* lease_sent: out_seq + 1 */
#endif
		dreading = 0			/* lease_read_done */
	/* pty_inject: a marker is asked for; hold the path, end the lease */
	:: inj_no != 0 && (holds & HINJ) == 0 ->
#ifdef BROKEN_NODRAIN
		/* wrong: placed before what H and the lease readers hold */
		atomic { len(a) < ACAP -> a!inj_no; inj_no = 0 };
		atomic { sent[1] = 1; sent[2] = 1 }
#else
		atomic {
			holds = holds | HINJ;
			if
			:: state == LEASED -> state = REVOKING	/* lease_revoke */
			:: else -> skip
			fi
		}
#endif
	/*
	 * lease_park_cb: parked, H reports EPOLLHUP (last close): hold the
	 * path until xptyd has read H to its EIO (without the hold, readers
	 * would take the lease back before that read, again and again: the
	 * model found that livelock).
	 */
	:: closed && !hup && state == LEASED ->
		atomic {
#ifndef BROKEN_NODRAINHOLD
			holds = holds | HDRAIN;
#endif
			if
			:: state == LEASED -> state = REVOKING
			:: else -> skip
			fi
		}
	/*
	 * lease_tick: no library read for a tick.  A tick can fall anywhere
	 * between the readers' steps; EXPIRE of those racing ticks are
	 * explored.  (A library's lease_gather, before I_NREAD, I_PEEK or
	 * getmsg, gives the lease back with this same CAS, and its XP_SYNC
	 * is the settle below: one more racing revoke.)  And when nothing else can move (timeout), the tick
	 * comes: that is the idle timer that serves a reader which bypasses
	 * the library.
	 */
	:: expiries < EXPIRE && state == LEASED ->
		atomic {
			if
			:: state == LEASED -> state = REVOKING; expiries++
			:: else -> skip
			fi
		}
	:: timeout && state == LEASED ->
		state = REVOKING
	/*
	 * lease_settle: nobody inside the critical section: take the path
	 * back.  (xptyd retries on its timer while cs is held; here the
	 * branch is enabled when the retry would succeed.)
	 */
#ifndef BROKEN_NOINSIDE
	:: state == REVOKING && cs == 0 ->
#else
	:: state == REVOKING ->
#endif
		atomic {
			state = RELAY;
			if
			:: f_eio ->
				f_eio = 0; pclose = 1;
				holds = holds | HHUP
			:: else -> skip
			fi
		}
	/* lease_slot_reap: the owner of a slot died (pidfd, connection EOF) */
#ifndef BROKEN_NOREAP
	:: alive[2] == 0 && cs == 2 ->
		cs = 0
#endif
#ifdef HANGUP
	/*
	 * pty_detach -> pty_hangup: the last data connection closed.  End
	 * the lease for good (lease_revoke with HOLD_CLOSING), then, once
	 * settled, pty_destroy closes the host manager.
	 */
	:: nreaders == 0 && !closing ->
		atomic {
			closing = 1; holds = holds | HCLOSE;
			inj_no = 0;	/* pty_inj_done(..., EIO) */
			if
			:: state == LEASED -> state = REVOKING
			:: else -> skip
			fi
		}
	:: closing && state == RELAY && !destroyed ->
		destroyed = 1; break
#endif
	/* pty_check_reopen: a subsidiary is open again */
	:: hup && !closed && !pclose ->
		atomic { hup = 0; holds = holds & ~HHUP }
	od
}

/*
 * At quiescence (nothing can move): while a library reader is there,
 * everything written was delivered; once nobody holds the manager, the
 * pty is destroyed.
 */
proctype monitor()
{
end_wait:
	(timeout && state != LEASED) ->	/* (a leased one expires first) */
#ifdef HANGUP
	assert(nreaders > 0 || destroyed);
	assert(nlib == 0 || (want == ITEMS + 1 && len(h) == 0 &&
	    len(a) == 0 && dbuf == 0 && inj_no == 0 && !pclose))
#else
	assert(want == ITEMS + 1 && len(h) == 0 && len(a) == 0 &&
	    dbuf == 0 && inj_no == 0 && !pclose)
#endif
}

init
{
	atomic {
		alive[1] = 1;
		alive[2] = 1;
		run daemon();
		run writer();
		run lib(1);
		run lib(2);
#ifndef NOBYPASS
		run bypass();
#endif
#ifndef NOKILL
		run killer();
#endif
		run monitor()
	}
}

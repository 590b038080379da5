//! `-f` on journal files, without journalctl: the last entries first (`-n`, 10 by
//! default, or every entry from `--since`), then each entry as its writer appends
//! it. inotify on the directories that hold the files wakes the reader: a file
//! written to is read again from where it stood; a file that appears (the new
//! active file after a rotation, another machine's) is read from its start; a file
//! renamed (the rotated one, archived under a new name) is the same file, known by
//! its inode; a file deleted (vacuumed) is let go. journald and journal-remote
//! truncate a file to its own size after each write for the sake of such readers
//! (writes through a mapping make no inotify event); a look every second covers a
//! writer that does not. SIGINT, SIGTERM and a closed output end it with exit 0.

use super::journal::{run_journal, Reading};
use super::processor::{needed_fields, Outcome, Processor};
use super::sink::Sink;
use super::teller::Teller;
use crate::entry::times::entry_time;
use crate::input::journal::file::entry_of;
use crate::input::journal::sources::{starts_as_journal, Watched};
use crate::input::journal::{JournalSet, Seek};
use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::inotify;
use std::collections::HashSet;
use std::io::Write;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How long to wait for an event before looking anyway.
const LOOK_EVERY: Timespec = Timespec {
    tv_sec: 1,
    tv_nsec: 0,
};

/// Shows the entries `reading` asks for, then follows the files of `watched` until
/// a signal or a closed output.
pub fn follow<W: Write, E: Write>(
    watched: &Watched,
    fields: Option<&[Vec<u8>]>,
    reading: Reading,
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    let stopped = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stopped))?;
    }
    let notify = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK)?;
    let flags = inotify::WatchFlags::CREATE
        | inotify::WatchFlags::DELETE
        | inotify::WatchFlags::MOVED_FROM
        | inotify::WatchFlags::MOVED_TO
        | inotify::WatchFlags::MODIFY
        | inotify::WatchFlags::CLOSE_WRITE;
    let mut watching = HashSet::new();
    let watch_dirs = |watching: &mut HashSet<PathBuf>| {
        for dir in &watched.dirs {
            // The directory and those one level down (machine ID directories).
            let mut dirs = vec![dir.clone()];
            if let Ok(entries) = std::fs::read_dir(dir) {
                dirs.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
            }
            for d in dirs {
                if !watching.contains(&d) && inotify::add_watch(&notify, &d, flags).is_ok() {
                    watching.insert(d);
                }
            }
        }
    };
    watch_dirs(&mut watching);
    let mut set = JournalSet::open_matching(&(watched.list)(), fields);
    set.keep_only(needed_fields(&processor.settings));
    run_journal(&mut set, reading, 1, processor, sink)?;
    sink.out.flush()?;
    set.start(Seek::Tail, false, None);
    let mut teller = Teller::default();
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
    while !stopped.load(Ordering::SeqCst) {
        let (woken, gone) = wait(&notify, std::io::stdout())?;
        if gone {
            break;
        }
        if woken {
            let mut events = inotify::Reader::new(&notify, &mut buf);
            while events.next().is_ok() {}
        }
        // New directories (a machine ID directory made after the start) are watched
        // too, and the files listed again: new ones read, deleted ones let go.
        watch_dirs(&mut watching);
        relist(&mut set, &(watched.list)());
        set.refresh();
        let mut out = Vec::new();
        let (mut entry_buf, mut spans) = (Vec::new(), Vec::new());
        while set.next_into(&mut entry_buf, &mut spans) {
            let entry = entry_of(&entry_buf, &spans);
            if processor.entry(&entry, entry_time(&entry), None, &mut out) == Outcome::Shown {
                sink.write(&out)?;
                out.clear();
            }
            entry_buf.clear();
            spans.clear();
        }
        sink.write(&out)?;
        sink.out.flush()?;
        teller.tell(set.troubles.drain(..), sink)?;
    }
    sink.out.flush()?;
    Ok(())
}

/// Waits for an inotify event, the output going away, or a second: whether an
/// event came, and whether the output is gone.
fn wait(notify: &impl AsFd, out: impl AsFd) -> std::io::Result<(bool, bool)> {
    let mut fds = [
        PollFd::new(notify, PollFlags::IN),
        PollFd::from_borrowed_fd(out.as_fd(), PollFlags::empty()),
    ];
    match rustix::event::poll(&mut fds, Some(&LOOK_EVERY)) {
        Ok(_) => {}
        // A signal: the caller looks at its flag.
        Err(rustix::io::Errno::INTR) => return Ok((false, false)),
        Err(e) => return Err(e.into()),
    }
    let woken = fds[0].revents().contains(PollFlags::IN);
    let gone = fds[1].revents().intersects(PollFlags::HUP | PollFlags::ERR);
    Ok((woken, gone))
}

/// Brings `set` in line with the files listed now: a file not read yet is read
/// from its start; a file read that is no longer listed under any name is let go.
fn relist(set: &mut JournalSet, listed: &[PathBuf]) {
    use std::os::unix::fs::MetadataExt;
    let known = set.identities();
    let mut present = HashSet::new();
    for path in listed {
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        let identity = (meta.dev(), meta.ino());
        present.insert(identity);
        // A file just made may not have its header yet: it is read once it does.
        if !known.iter().any(|(id, _)| *id == identity) && starts_as_journal(path) {
            set.add(path);
        }
    }
    for (identity, _) in known {
        if !present.contains(&identity) {
            set.remove(identity);
        }
    }
}

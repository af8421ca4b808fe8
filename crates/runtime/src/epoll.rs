//! The interest list of an epoll instance (`epoll_create` / `epoll_ctl`): which
//! descriptors it watches, for which events, with what caller data. An entry is keyed, as
//! on Linux, by the descriptor number *and* the open file it named when added, so a
//! descriptor closed and reused for another file no longer matches its old entry. The list
//! is bounded ([`MAX_INTEREST`]); the readiness checks live with `poll_oneoff`'s.

use alloc::vec::Vec;

use abi::Errno;
use abi::wasix::epoll_type;

/// Most descriptors one epoll instance watches; one more is NOSPC (Linux's answer when
/// its watch limit is reached).
pub const MAX_INTEREST: usize = 1024;

/// One watched descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interest {
    pub fd: u32,
    /// The open file `fd` named when the entry was made.
    pub file: u64,
    /// The [`epoll_type`] bits asked for.
    pub events: u32,
    /// The caller's `epoll_data`, handed back with each event.
    pub data: [u64; 3],
    /// A ONESHOT entry that has reported: silent until modified.
    pub disabled: bool,
}

#[derive(Debug, Default)]
pub struct InterestList {
    entries: Vec<Interest>,
}

/// INVAL for event bits the ABI does not define.
fn check(events: u32) -> Result<(), Errno> {
    if events & !epoll_type::ALL != 0 {
        return Err(Errno::Inval);
    }
    Ok(())
}

impl InterestList {
    fn find(&self, fd: u32, file: u64) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.fd == fd && e.file == file)
    }

    /// `EPOLL_CTL_ADD`: EXIST if watched already, NOSPC past [`MAX_INTEREST`].
    pub fn add(&mut self, fd: u32, file: u64, events: u32, data: [u64; 3]) -> Result<(), Errno> {
        check(events)?;
        if self.find(fd, file).is_some() {
            return Err(Errno::Exist);
        }
        if self.entries.len() >= MAX_INTEREST {
            return Err(Errno::NoSpc);
        }
        self.entries.try_reserve(1).map_err(|_| Errno::NoMem)?;
        self.entries.push(Interest {
            fd,
            file,
            events,
            data,
            disabled: false,
        });
        Ok(())
    }

    /// `EPOLL_CTL_MOD`: new events and data (re-arming a ONESHOT entry); NOENT if not
    /// watched.
    pub fn modify(&mut self, fd: u32, file: u64, events: u32, data: [u64; 3]) -> Result<(), Errno> {
        check(events)?;
        let i = self.find(fd, file).ok_or(Errno::NoEnt)?;
        self.entries[i] = Interest {
            fd,
            file,
            events,
            data,
            disabled: false,
        };
        Ok(())
    }

    /// Watches the descriptor for `events`, whether it was watched before (then as
    /// [`InterestList::modify`]) or not (as [`InterestList::add`]).
    pub fn watch(&mut self, fd: u32, file: u64, events: u32, data: [u64; 3]) -> Result<(), Errno> {
        match self.find(fd, file) {
            Some(_) => self.modify(fd, file, events, data),
            None => self.add(fd, file, events, data),
        }
    }

    /// `EPOLL_CTL_DEL`: NOENT if not watched.
    pub fn remove(&mut self, fd: u32, file: u64) -> Result<(), Errno> {
        let i = self.find(fd, file).ok_or(Errno::NoEnt)?;
        self.entries.remove(i);
        Ok(())
    }

    /// The entries, in the order they were added.
    pub fn entries(&self) -> &[Interest] {
        &self.entries
    }

    /// Silences entry `i` after it reported, if it is ONESHOT.
    pub fn reported(&mut self, i: usize) {
        if let Some(e) = self.entries.get_mut(i)
            && e.events & epoll_type::ONESHOT != 0
        {
            e.disabled = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::wasix::epoll_type::{IN, ONESHOT, OUT};

    #[test]
    fn add_modify_and_remove_are_keyed_by_descriptor_and_file() {
        let mut l = InterestList::default();
        assert_eq!(l.add(5, 100, IN, [1, 2, 3]), Ok(()));
        assert_eq!(l.add(5, 100, OUT, [0; 3]), Err(Errno::Exist));
        // The same number naming another open file is another entry.
        assert_eq!(l.add(5, 101, OUT, [0; 3]), Ok(()));
        assert_eq!(l.modify(6, 100, OUT, [0; 3]), Err(Errno::NoEnt));
        assert_eq!(l.modify(5, 100, OUT, [9, 9, 9]), Ok(()));
        assert_eq!(l.entries()[0].events, OUT);
        assert_eq!(l.entries()[0].data, [9, 9, 9]);
        assert_eq!(l.remove(5, 100), Ok(()));
        assert_eq!(l.remove(5, 100), Err(Errno::NoEnt));
        assert_eq!(l.entries().len(), 1);
        assert_eq!(l.add(7, 1, 256, [0; 3]), Err(Errno::Inval));
        // watch: adds, then modifies.
        assert_eq!(l.watch(8, 1, IN, [0; 3]), Ok(()));
        assert_eq!(l.watch(8, 1, OUT, [0; 3]), Ok(()));
        assert_eq!(l.entries().len(), 2);
        assert_eq!(l.entries()[1].events, OUT);
    }

    #[test]
    fn oneshot_entries_go_quiet_until_modified() {
        let mut l = InterestList::default();
        l.add(3, 1, IN | ONESHOT, [0; 3]).unwrap();
        l.add(4, 2, IN, [0; 3]).unwrap();
        l.reported(0);
        l.reported(1);
        assert!(l.entries()[0].disabled);
        assert!(!l.entries()[1].disabled);
        l.modify(3, 1, IN | ONESHOT, [0; 3]).unwrap();
        assert!(!l.entries()[0].disabled);
    }

    #[test]
    fn the_list_is_bounded() {
        let mut l = InterestList::default();
        for fd in 0..MAX_INTEREST as u32 {
            l.add(fd, u64::from(fd), IN, [0; 3]).unwrap();
        }
        assert_eq!(l.add(9999, 9999, IN, [0; 3]), Err(Errno::NoSpc));
    }
}

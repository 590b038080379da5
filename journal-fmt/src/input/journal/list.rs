//! The lists of entries a journal file keeps: the chain of entry arrays that holds
//! every entry, and the chain each DATA object keeps of the entries that hold it.
//! Each is read as a sorted list of entry offsets (offsets grow with the file's
//! order) with random access, so that a walk goes either way and starts where a
//! time falls, as journalctl's seeks do. Only the arrays' headers are read to build
//! a list (their sizes double, so there are few); items are read as they are needed.

use super::damage::Damage;

/// What a list needs of its file.
pub(super) trait Arrays {
    /// How many items the entry array at `at` holds, and where the next array of
    /// its chain is (0: none).
    fn entry_array(&mut self, at: u64) -> Result<(u64, u64), Damage>;
    /// Item `index` of the entry array at `array`.
    fn array_item(&mut self, array: u64, index: u64) -> Result<u64, Damage>;
    /// When the entry at `offset` was received (microseconds since the epoch).
    fn realtime_of(&mut self, offset: u64) -> Result<u64, Damage>;
}

/// One array of a chain: where it is, the list index of its first item, and how
/// many items it holds.
#[derive(Debug, Clone, Copy)]
struct Segment {
    array: u64,
    start: u64,
    items: u64,
}

/// One sorted list of entry offsets.
#[derive(Debug)]
pub(super) struct Chain {
    /// An entry kept before the arrays (a DATA object's first entry).
    first: Option<u64>,
    segments: Vec<Segment>,
    /// Items in the list, `first` included.
    len: u64,
    /// Where the chain stopped making sense: told once a walk reaches it.
    broken: Option<Damage>,
    /// The segment the last lookup found: walks go item by item.
    hint: usize,
}

impl Chain {
    /// The list whose first entry is `first` (if any) and whose arrays start at
    /// `array`, holding `count` entries in all. A broken array ends the list there;
    /// the damage is kept to be told when a walk reaches it.
    pub(super) fn read(
        file: &mut impl Arrays,
        first: Option<u64>,
        array: u64,
        count: u64,
    ) -> Chain {
        let base = u64::from(first.is_some());
        let mut chain = Chain {
            first,
            segments: Vec::new(),
            len: 0,
            broken: None,
            hint: 0,
        };
        let (mut at, mut start) = (array, 0u64);
        while at != 0 && base + start < count {
            let (items, next) = match file.entry_array(at) {
                Ok(found) => found,
                Err(d) => {
                    chain.broken = Some(d);
                    break;
                }
            };
            if items == 0 {
                chain.broken = Some(Damage {
                    offset: at,
                    what: "an empty entry array".into(),
                });
                break;
            }
            chain.segments.push(Segment {
                array: at,
                start,
                items,
            });
            start += items;
            // Arrays are appended as the file grows: a link back is a loop.
            if next != 0 && next <= at {
                chain.broken = Some(Damage {
                    offset: next,
                    what: "an entry array chain that runs back".into(),
                });
                break;
            }
            at = next;
        }
        chain.len = count.min(base + start);
        chain
    }

    /// The damage that ended the chain early, if any.
    pub(super) fn broken(&self) -> Option<&Damage> {
        self.broken.as_ref()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entry offset at `index`, `None` past the end. A zero item ends the list
    /// (arrays are allocated ahead of the entries that fill them).
    fn item(&mut self, file: &mut impl Arrays, index: u64) -> Result<Option<u64>, Damage> {
        if index >= self.len {
            return Ok(None);
        }
        let mut i = index;
        if let Some(first) = self.first {
            if i == 0 {
                return Ok(Some(first));
            }
            i -= 1;
        }
        let holds = |s: &Segment| s.start <= i && i < s.start + s.items;
        let at = match self.segments.get(self.hint) {
            Some(s) if holds(s) => self.hint,
            _ => {
                let at = self.segments.partition_point(|s| s.start + s.items <= i);
                if !self.segments.get(at).is_some_and(holds) {
                    self.len = index;
                    return Ok(None);
                }
                self.hint = at;
                at
            }
        };
        let segment = self.segments[at];
        let offset = file.array_item(segment.array, i - segment.start)?;
        if offset == 0 {
            self.len = index;
            return Ok(None);
        }
        Ok(Some(offset))
    }
}

/// A walk through the entries of one or more lists of a file (several when the
/// filters name several fields: an entry is in the walk when it is in any of them).
/// The walk stands between two entries; `next` and `previous` step over one.
#[derive(Debug, Default)]
pub(super) struct Walk {
    chains: Vec<Chain>,
    /// For each chain, how many of its items lie before the walk's place.
    place: Vec<u64>,
    /// Whether the damage of each chain has been told.
    told: Vec<bool>,
}

impl Walk {
    pub(super) fn over(chains: Vec<Chain>) -> Walk {
        Walk {
            place: vec![0; chains.len()],
            told: vec![false; chains.len()],
            chains,
        }
    }

    /// The next entry after the place, in file order, and the walk past it. At
    /// the end, the damage that cut a list short is told (once).
    pub(super) fn next(&mut self, file: &mut impl Arrays) -> Result<Option<u64>, Damage> {
        let mut best: Option<u64> = None;
        for c in 0..self.chains.len() {
            if let Some(offset) = self.chains[c].item(file, self.place[c])? {
                best = Some(best.map_or(offset, |b| b.min(offset)));
            }
        }
        let Some(best) = best else {
            return self.untold();
        };
        for c in 0..self.chains.len() {
            if self.chains[c].item(file, self.place[c])? == Some(best) {
                self.place[c] += 1;
            }
        }
        Ok(Some(best))
    }

    /// The entry before the place, and the walk back over it. At the start, the
    /// damage that cut a list short is told (once): the entries before it were given.
    pub(super) fn previous(&mut self, file: &mut impl Arrays) -> Result<Option<u64>, Damage> {
        let mut best: Option<u64> = None;
        for c in 0..self.chains.len() {
            // A zero item shortens the list: look again below the new end.
            while self.place[c].min(self.chains[c].len) > 0 {
                let place = self.place[c].min(self.chains[c].len);
                if let Some(offset) = self.chains[c].item(file, place - 1)? {
                    best = Some(best.map_or(offset, |b| b.max(offset)));
                    break;
                }
            }
        }
        let Some(best) = best else {
            return self.untold();
        };
        for c in 0..self.chains.len() {
            let place = self.place[c].min(self.chains[c].len);
            if place > 0 && self.chains[c].item(file, place - 1)? == Some(best) {
                self.place[c] = place - 1;
            }
        }
        Ok(Some(best))
    }

    /// The first damage of a chain not told yet, as an error; else the end.
    fn untold(&mut self) -> Result<Option<u64>, Damage> {
        for c in 0..self.chains.len() {
            if !self.told[c] {
                self.told[c] = true;
                if let Some(d) = self.chains[c].broken.clone() {
                    return Err(d);
                }
            }
        }
        Ok(None)
    }

    /// The offset of the last entry before the place (the largest of the chains'),
    /// `None` when the place is at the start.
    pub(super) fn boundary(&mut self, file: &mut impl Arrays) -> Result<Option<u64>, Damage> {
        let mut last: Option<u64> = None;
        for c in 0..self.chains.len() {
            let place = self.place[c].min(self.chains[c].len);
            if place > 0 {
                if let Some(offset) = self.chains[c].item(file, place - 1)? {
                    last = Some(last.map_or(offset, |l| l.max(offset)));
                }
            }
        }
        Ok(last)
    }

    /// To after every entry at or before `offset` (the lists are in offset order).
    pub(super) fn wind_past(&mut self, file: &mut impl Arrays, offset: u64) -> Result<(), Damage> {
        for c in 0..self.chains.len() {
            let (mut low, mut high) = (0u64, self.chains[c].len);
            while low < high {
                let mid = low + (high - low) / 2;
                match self.chains[c].item(file, mid)? {
                    Some(item) if item <= offset => low = mid + 1,
                    Some(_) => high = mid,
                    None => high = mid.min(self.chains[c].len),
                }
            }
            self.place[c] = low;
        }
        Ok(())
    }

    /// To before the first entry.
    pub(super) fn rewind(&mut self) {
        self.place.iter_mut().for_each(|p| *p = 0);
    }

    /// To after the last entry.
    pub(super) fn wind_to_end(&mut self) {
        for (place, chain) in self.place.iter_mut().zip(&self.chains) {
            *place = chain.len;
        }
    }

    /// To before the first entry received at or after `usec` (`after`: the first
    /// received after it), found by bisection as journalctl seeks: the lists are
    /// taken to be in time order. An entry that cannot be read counts as earlier.
    pub(super) fn wind_to_time(&mut self, file: &mut impl Arrays, usec: u64, after: bool) {
        for c in 0..self.chains.len() {
            let (mut low, mut high) = (0u64, self.chains[c].len);
            while low < high {
                let mid = low + (high - low) / 2;
                let time = match self.chains[c].item(file, mid) {
                    Ok(Some(offset)) => file.realtime_of(offset).unwrap_or(0),
                    // Past a zero item: the list is shorter than it said.
                    Ok(None) => {
                        high = mid.min(self.chains[c].len);
                        continue;
                    }
                    Err(_) => 0,
                };
                let before = if after { time <= usec } else { time < usec };
                if before {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            self.place[c] = low;
        }
    }
}

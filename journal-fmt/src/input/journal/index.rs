//! A journal file's index: the data hash table that finds a `FIELD=value`, and the
//! list of entries each field keeps, so that `-u`, `-t` and `-b` read only the
//! entries they can let through, as journalctl's matches do.

use super::file::*;
use super::list::{Chain, Walk};

impl JournalFile {
    /// Reads only the entries that hold one of `fields` (`NAME=value` each), found
    /// through the file's data hash table and each field's list of entries, as
    /// journalctl reads `-u` and `_SYSTEMD_UNIT=...` matches.
    pub fn restrict_to(&mut self, fields: &[Vec<u8>]) -> Result<(), Damage> {
        let mut chains = Vec::new();
        for field in fields {
            if let Some(data) = self.find_data(field)? {
                let chain = self.entries_of(data)?;
                if let Some(d) = chain.broken() {
                    return Err(d.clone());
                }
                if !chain.is_empty() {
                    chains.push(chain);
                }
            }
        }
        self.walk = Walk::over(chains);
        self.fields = Some(fields.to_vec());
        Ok(())
    }

    /// Every value the file holds for `field` (each DATA object of the FIELD object's
    /// chain), as journalctl lists a field's values (`-F`, and `-u` globs expanded
    /// into units).
    pub fn field_values(&mut self, field: &[u8]) -> Result<Vec<Vec<u8>>, Damage> {
        let Some(field_at) = self.find_field(field)? else {
            return Ok(Vec::new());
        };
        let head = self
            .windows
            .u64_at(field_at + 32)
            .or_else(|_| damage(field_at, "a field object cut short"))?;
        let mut values = Vec::new();
        let mut at = head;
        let mut steps = 0u64;
        let mut payload = Vec::new();
        while at != 0 {
            steps += 1;
            if steps > self.end / 64 {
                return damage(at, "a field's chain of values that runs in a circle");
            }
            let header = DATA_HEADER + if self.compact { 8 } else { 0 };
            self.object(at, OBJECT_DATA, header)?;
            let next = self
                .windows
                .u64_at(at + 32)
                .or_else(|_| damage(at, "a field cut short"))?;
            payload.clear();
            self.data_into(at, &mut payload)?;
            if let Some(value) = payload
                .strip_prefix(field)
                .and_then(|rest| rest.strip_prefix(b"="))
            {
                values.push(value.to_vec());
            }
            at = next;
        }
        Ok(values)
    }

    /// The FIELD object named `name`, found through the field hash table.
    fn find_field(&mut self, name: &[u8]) -> Result<Option<u64>, Damage> {
        let table = (
            self.header.field_hash_table_offset,
            self.header.field_hash_table_size,
        );
        let hash = self.hash(name);
        let Some(mut at) = self.chain_head(table, hash, (120, "field"))? else {
            return Ok(None);
        };
        let mut steps = 0u64;
        while at != 0 {
            steps += 1;
            if steps > self.end / 64 {
                return damage(at, "a hash chain that runs in a circle");
            }
            let (_, size) = self.object(at, OBJECT_FIELD, OBJECT_HEADER + 24)?;
            let bytes = self
                .windows
                .bytes(at + 16, 16)
                .or_else(|_| damage(at, "a field object cut short"))?;
            let (stored_hash, next) = (u64_at(bytes, 0), u64_at(bytes, 8));
            if stored_hash == hash {
                let len = (size - OBJECT_HEADER - 24) as usize;
                let found = self
                    .windows
                    .bytes(at + OBJECT_HEADER + 24, len)
                    .or_else(|_| damage(at, "a field object cut short"))?;
                if found == name {
                    return Ok(Some(at));
                }
            }
            at = next;
        }
        Ok(None)
    }

    /// The first object of the chain `hash` falls in, in the hash table at `(offset,
    /// size)` (the header's `which` table, its offset held at `header_at`); None for
    /// an empty table.
    fn chain_head(
        &mut self,
        (table, size): (u64, u64),
        hash: u64,
        (header_at, which): (u64, &str),
    ) -> Result<Option<u64>, Damage> {
        let buckets = size / 16;
        if buckets == 0 {
            return Ok(None);
        }
        if table.checked_add(size).is_none_or(|end| end > self.end) || table % 8 != 0 {
            return damage(header_at, format!("a {which} hash table outside the file"));
        }
        let bucket = table + (hash % buckets) * 16;
        let head = self
            .windows
            .u64_at(bucket)
            .or_else(|_| damage(bucket, "a hash table cut short"))?;
        Ok(Some(head))
    }

    /// The file's hash of a payload or field name: keyed by the file's id, or the
    /// older Jenkins hash.
    fn hash(&self, bytes: &[u8]) -> u64 {
        if self.header.incompatible & INCOMPATIBLE_KEYED_HASH != 0 {
            super::hash::siphash24(bytes, &self.header.file_id)
        } else {
            super::hash::jenkins(bytes)
        }
    }

    /// The DATA object whose payload is `payload`, found through the hash table.
    fn find_data(&mut self, payload: &[u8]) -> Result<Option<u64>, Damage> {
        let table = (
            self.header.data_hash_table_offset,
            self.header.data_hash_table_size,
        );
        let hash = self.hash(payload);
        let Some(mut at) = self.chain_head(table, hash, (104, "data"))? else {
            return Ok(None);
        };
        let mut steps = 0u64;
        let mut found = Vec::new();
        while at != 0 {
            steps += 1;
            if steps > self.end / 64 {
                return damage(at, "a hash chain that runs in a circle");
            }
            let header = DATA_HEADER + if self.compact { 8 } else { 0 };
            self.object(at, OBJECT_DATA, header)?;
            let (stored_hash, next) = {
                let bytes = self
                    .windows
                    .bytes(at + 16, 16)
                    .or_else(|_| damage(at, "a field cut short"))?;
                (u64_at(bytes, 0), u64_at(bytes, 8))
            };
            if stored_hash == hash {
                found.clear();
                if self.data_into(at, &mut found).is_ok() && found == payload {
                    return Ok(Some(at));
                }
            }
            at = next;
        }
        Ok(None)
    }

    /// The entries that hold the DATA object at `data`, in file order: the first
    /// one stored in the object, the rest in its chain of entry arrays.
    fn entries_of(&mut self, data: u64) -> Result<Chain, Damage> {
        let bytes = self
            .windows
            .bytes(data + 40, 24)
            .or_else(|_| damage(data, "a field cut short"))?;
        let (first, array, count) = (u64_at(bytes, 0), u64_at(bytes, 8), u64_at(bytes, 16));
        if first == 0 {
            return Ok(Chain::read(self, None, 0, 0));
        }
        Ok(Chain::read(self, Some(first), array, count))
    }
}

//! One journal entry: its fields in the order they came, repeated fields repeated.
//! Values borrow from the input line where they can (a JSON string without escapes),
//! so reading a line allocates little.

use std::borrow::Cow;

/// A field's value: its bytes, or `None` where `journalctl -o json` wrote `null`
/// (a field of 4096 bytes or more without `--all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: Cow<'a, str>,
    pub value: Option<Cow<'a, [u8]>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry<'a> {
    pub fields: Vec<Field<'a>>,
}

impl<'a> Entry<'a> {
    /// The first value of `name` (`None` if absent; `Some(None)` if it was `null`).
    pub fn get(&self, name: &str) -> Option<Option<&[u8]>> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref())
    }

    /// The first value of `name` if it is present and not `null`.
    pub fn text(&self, name: &str) -> Option<&[u8]> {
        self.get(name).flatten()
    }

    /// Every value of `name`, in order.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Option<&'s [u8]>> + 's {
        self.fields
            .iter()
            .filter(move |f| f.name == name)
            .map(|f| f.value.as_deref())
    }

    pub fn push(&mut self, name: impl Into<Cow<'a, str>>, value: Option<impl Into<Cow<'a, [u8]>>>) {
        self.fields.push(Field {
            name: name.into(),
            value: value.map(Into::into),
        });
    }

    /// An entry to be filled in `fields`' allocation (see [`recycled`]).
    pub fn in_place(fields: Vec<Field<'a>>) -> Entry<'a> {
        debug_assert!(fields.is_empty());
        Entry { fields }
    }

    /// The same entry owning its bytes.
    pub fn into_owned(self) -> Entry<'static> {
        Entry {
            fields: self
                .fields
                .into_iter()
                .map(|f| Field {
                    name: Cow::Owned(f.name.into_owned()),
                    value: f.value.map(|v| Cow::Owned(v.into_owned())),
                })
                .collect(),
        }
    }
}

/// An emptied field list, for entries borrowing from other lines: the allocation is
/// kept (collecting a vector's own emptied iterator into one of a type of the same
/// size reuses it), so reading a line need not allocate.
pub fn recycled<'b>(mut fields: Vec<Field<'_>>) -> Vec<Field<'b>> {
    fields.clear();
    // There are no fields left to map: only the element type changes.
    fields
        .into_iter()
        .map(|_| Field {
            name: Cow::Borrowed(""),
            value: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recycled_list_keeps_its_allocation() {
        let line = b"value".to_vec();
        let mut entry = Entry::in_place(Vec::with_capacity(32));
        entry.push("MESSAGE", Some(&line[..]));
        let spare: Vec<Field<'static>> = recycled(entry.fields);
        assert!(spare.is_empty());
        assert!(spare.capacity() >= 32, "capacity {}", spare.capacity());
    }
}

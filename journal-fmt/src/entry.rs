//! One journal entry: its fields in the order they came, repeated fields repeated.

/// A field's value: its bytes, or `None` where `journalctl -o json` wrote `null`
/// (a field of 4096 bytes or more without `--all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub fields: Vec<Field>,
}

impl Entry {
    /// The first value of `name` (`None` if absent; `Some(None)` if it was `null`).
    pub fn get(&self, name: &str) -> Option<Option<&[u8]>> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Option<&'a [u8]>> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.name == name)
            .map(|f| f.value.as_deref())
    }

    pub fn push(&mut self, name: &str, value: Option<Vec<u8>>) {
        self.fields.push(Field {
            name: name.to_string(),
            value,
        });
    }
}

//! The in-memory list of items, bounded in size.

use std::collections::BTreeMap;

use crate::model::Item;

/// The list is at its cap; nothing more can be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFull {
    pub max_items: usize,
}

/// Items by id, in creation order.
#[derive(Debug)]
pub struct Store {
    items: BTreeMap<u64, Item>,
    next_id: u64,
    max_items: usize,
}

impl Store {
    /// An empty store that holds at most `max_items` items.
    pub fn new(max_items: usize) -> Self {
        Self {
            items: BTreeMap::new(),
            next_id: 1,
            max_items,
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn list(&self) -> Vec<Item> {
        self.items.values().cloned().collect()
    }

    pub fn get(&self, id: u64) -> Option<Item> {
        self.items.get(&id).cloned()
    }

    /// Adds a not-done item with an already validated title. Ids are never reused.
    pub fn insert(&mut self, title: String, created_at: String) -> Result<Item, StoreFull> {
        let full = StoreFull {
            max_items: self.max_items,
        };
        if self.items.len() >= self.max_items {
            return Err(full);
        }
        let id = self.next_id;
        self.next_id = id.checked_add(1).ok_or(full)?;
        let item = Item {
            id,
            title,
            done: false,
            created_at,
        };
        self.items.insert(id, item.clone());
        Ok(item)
    }

    /// Changes the given fields; `None` if there is no such item.
    pub fn update(&mut self, id: u64, title: Option<String>, done: Option<bool>) -> Option<Item> {
        let item = self.items.get_mut(&id)?;
        if let Some(title) = title {
            item.title = title;
        }
        if let Some(done) = done {
            item.done = done;
        }
        Some(item.clone())
    }

    /// Removes an item; `false` if there was none.
    pub fn remove(&mut self, id: u64) -> bool {
        self.items.remove(&id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(store: &mut Store, title: &str) -> Result<Item, StoreFull> {
        store.insert(title.to_owned(), "t".to_owned())
    }

    #[test]
    fn insert_list_update_remove() {
        let mut store = Store::new(10);
        let a = add(&mut store, "a").unwrap();
        let b = add(&mut store, "b").unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert!(!a.done);
        assert_eq!(store.list(), vec![a.clone(), b.clone()]);
        let b2 = store.update(2, Some("B".to_owned()), Some(true)).unwrap();
        assert_eq!((b2.title.as_str(), b2.done), ("B", true));
        let b3 = store.update(2, None, None).unwrap();
        assert_eq!(b3, b2);
        assert_eq!(store.update(3, None, Some(true)), None);
        assert!(store.remove(1));
        assert!(!store.remove(1));
        assert_eq!(store.get(2), Some(b2));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn ids_are_not_reused() {
        let mut store = Store::new(10);
        add(&mut store, "a").unwrap();
        store.remove(1);
        assert_eq!(add(&mut store, "b").unwrap().id, 2);
    }

    #[test]
    fn refuses_past_the_cap_and_frees_on_remove() {
        let mut store = Store::new(2);
        add(&mut store, "a").unwrap();
        add(&mut store, "b").unwrap();
        assert_eq!(add(&mut store, "c"), Err(StoreFull { max_items: 2 }));
        assert_eq!(store.len(), 2);
        store.remove(1);
        assert!(add(&mut store, "c").is_ok());
    }
}

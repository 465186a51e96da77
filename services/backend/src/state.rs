//! State shared by the handlers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::store::Store;

/// The item store and the readiness flag; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    store: Arc<RwLock<Store>>,
    ready: Arc<AtomicBool>,
}

impl AppState {
    /// An empty, ready state whose store holds at most `max_items` items.
    pub fn new(max_items: usize) -> Self {
        Self {
            store: Arc::new(RwLock::new(Store::new(max_items))),
            ready: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Reads the store. Critical sections never panic, but a poisoned lock is
    /// recovered rather than turned into a panic of its own.
    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// `false` makes `/readyz` answer 503 (set when shutdown starts).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }
}

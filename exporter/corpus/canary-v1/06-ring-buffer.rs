// SPDX-License-Identifier: Apache-2.0
//! Bounded ring buffers for the handheld scanner agent.
//!
//! A handheld keeps scanning when it loses its network connection, and the agent on it must hold
//! the scans until it can upload them. Memory on the device is small and fixed, so the agent uses
//! buffers whose size is decided once, at start-up, and never grows:
//!
//! * [`RingBuffer`] is a fixed-capacity double-ended queue. When it is full, the caller chooses:
//!   refuse the new element ([`RingBuffer::push_back`]) or drop the oldest one
//!   ([`RingBuffer::push_overwrite`]).
//! * [`spsc`] is a lock-free single-producer, single-consumer queue, used between the thread that
//!   reads the barcode engine and the thread that writes to flash.
//! * [`scan`] is the agent's scan log built on the ring buffer: the newest scans, with counts of
//!   what was dropped, repeated or missing, so the server can tell a quiet device from a lossy one.
//!
//! Build and run the tests with `rustc --edition 2021 --test 06-ring-buffer.rs -o ring && ./ring`.

use std::fmt;
use std::iter::FusedIterator;
use std::mem::MaybeUninit;

/// The error of [`RingBuffer::push_back`] on a full buffer; it hands the rejected value back.
#[derive(PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ring buffer is full")
    }
}

impl<T> std::error::Error for Full<T> {}

/// A double-ended queue with a capacity fixed at construction.
///
/// Elements live in one heap allocation of `capacity` slots. `head` is the slot of the oldest
/// element and `len` the number of elements; the elements occupy the `len` slots from `head`
/// onwards, wrapping round at the end. Slots outside that range are uninitialised.
pub struct RingBuffer<T> {
    slots: Box<[MaybeUninit<T>]>,
    head: usize,
    len: usize,
}

impl<T> RingBuffer<T> {
    /// A buffer for `capacity` elements.
    ///
    /// # Panics
    /// When `capacity` is zero (a buffer that can hold nothing is always a bug in the caller), or
    /// larger than `isize::MAX`, which keeps `head + index` from overflowing.
    pub fn with_capacity(capacity: usize) -> Self {
        assert!(capacity > 0, "a ring buffer needs room for at least one element");
        assert!(capacity <= isize::MAX as usize, "ring buffer capacity {capacity} is too large");
        let slots = (0..capacity).map(|_| MaybeUninit::uninit()).collect::<Vec<_>>().into_boxed_slice();
        RingBuffer { slots, head: 0, len: 0 }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_full(&self) -> bool {
        self.len == self.capacity()
    }

    /// The slot holding logical position `index` (0 is the oldest element).
    fn slot(&self, index: usize) -> usize {
        let raw = self.head + index;
        if raw >= self.capacity() {
            raw - self.capacity()
        } else {
            raw
        }
    }

    /// Appends behind the newest element. The caller has checked that there is room.
    fn write_at_end(&mut self, value: T) {
        debug_assert!(!self.is_full());
        let index = self.slot(self.len);
        self.slots[index].write(value);
        self.len += 1;
    }

    /// Appends `value` as the newest element, or gives it back when the buffer is full.
    pub fn push_back(&mut self, value: T) -> Result<(), Full<T>> {
        if self.is_full() {
            return Err(Full(value));
        }
        self.write_at_end(value);
        Ok(())
    }

    /// Appends `value` as the newest element, dropping the oldest one to make room when the buffer
    /// is full. Returns the element that was pushed out, if any.
    pub fn push_overwrite(&mut self, value: T) -> Option<T> {
        if !self.is_full() {
            self.write_at_end(value);
            return None;
        }
        let index = self.head;
        self.head = self.slot(1);
        let old = std::mem::replace(&mut self.slots[index], MaybeUninit::new(value));
        // SAFETY: the buffer was full, so the slot at the old head held the oldest element, and
        // that element is now only reachable through `old`.
        Some(unsafe { old.assume_init() })
    }

    /// Removes and returns the oldest element.
    pub fn pop_front(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let index = self.head;
        self.head = self.slot(1);
        self.len -= 1;
        // SAFETY: the slot held the oldest element; `head` and `len` no longer cover it, so this is
        // the only read of it.
        Some(unsafe { self.slots[index].assume_init_read() })
    }

    /// Removes and returns the newest element.
    pub fn pop_back(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let index = self.slot(self.len - 1);
        self.len -= 1;
        // SAFETY: as in `pop_front`, for the newest slot.
        Some(unsafe { self.slots[index].assume_init_read() })
    }

    /// The element at logical position `index`, 0 being the oldest.
    pub fn get(&self, index: usize) -> Option<&T> {
        if index >= self.len {
            return None;
        }
        let slot = self.slot(index);
        // SAFETY: positions below `len` are initialised.
        Some(unsafe { self.slots[slot].assume_init_ref() })
    }

    pub fn front(&self) -> Option<&T> {
        self.get(0)
    }

    pub fn back(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|last| self.get(last))
    }

    /// How many elements run from `head` to the end of the allocation, and how many wrapped round.
    fn run_lengths(&self) -> (usize, usize) {
        let first = self.len.min(self.capacity() - self.head);
        (first, self.len - first)
    }

    /// The elements as two contiguous slices, oldest first: the run from `head` to the end of the
    /// allocation, then the part that wrapped round to the start. Either may be empty. Writing a
    /// buffer to a file takes at most two writes this way.
    pub fn as_slices(&self) -> (&[T], &[T]) {
        let (first_len, second_len) = self.run_lengths();
        let base = self.slots.as_ptr() as *const T;
        // SAFETY: MaybeUninit<T> has the layout of T; both ranges lie inside the allocation and
        // cover exactly the initialised slots.
        unsafe {
            (
                std::slice::from_raw_parts(base.add(self.head), first_len),
                std::slice::from_raw_parts(base, second_len),
            )
        }
    }

    pub fn as_mut_slices(&mut self) -> (&mut [T], &mut [T]) {
        let (first_len, second_len) = self.run_lengths();
        let base = self.slots.as_mut_ptr() as *mut T;
        // SAFETY: as in `as_slices`; the two ranges do not overlap because first_len + second_len
        // never exceeds the capacity.
        unsafe {
            (
                std::slice::from_raw_parts_mut(base.add(self.head), first_len),
                std::slice::from_raw_parts_mut(base, second_len),
            )
        }
    }

    pub fn iter(&self) -> Iter<'_, T> {
        let (first, second) = self.as_slices();
        Iter { first: first.iter(), second: second.iter() }
    }

    /// Drops every element and leaves the buffer empty, keeping its allocation.
    pub fn clear(&mut self) {
        let (first, second) = self.as_mut_slices();
        let (first, second) = (first as *mut [T], second as *mut [T]);
        // Forget the elements before dropping them: if a destructor panics, the rest leak, which is
        // safe, instead of being dropped a second time by our own Drop.
        self.head = 0;
        self.len = 0;
        // SAFETY: the slices covered the initialised elements, which nothing can reach any more.
        unsafe {
            std::ptr::drop_in_place(first);
            std::ptr::drop_in_place(second);
        }
    }

    /// Removes every element, oldest first, through an iterator. Elements the iterator does not
    /// yield are dropped when it is.
    pub fn drain(&mut self) -> Drain<'_, T> {
        Drain { buffer: self }
    }
}

impl<T> Drop for RingBuffer<T> {
    fn drop(&mut self) {
        self.clear();
    }
}

impl<T: fmt::Debug> fmt::Debug for RingBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Extending keeps the newest elements, like `push_overwrite`: a log that must not block.
impl<T> Extend<T> for RingBuffer<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push_overwrite(item);
        }
    }
}

pub struct Iter<'a, T> {
    first: std::slice::Iter<'a, T>,
    second: std::slice::Iter<'a, T>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        self.first.next().or_else(|| self.second.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.first.len() + self.second.len();
        (n, Some(n))
    }
}

impl<'a, T> DoubleEndedIterator for Iter<'a, T> {
    fn next_back(&mut self) -> Option<&'a T> {
        self.second.next_back().or_else(|| self.first.next_back())
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}

impl<'a, T> IntoIterator for &'a RingBuffer<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

pub struct Drain<'a, T> {
    buffer: &'a mut RingBuffer<T>,
}

impl<T> Iterator for Drain<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.buffer.pop_front()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.buffer.len, Some(self.buffer.len))
    }
}

impl<T> Drop for Drain<'_, T> {
    fn drop(&mut self) {
        self.buffer.clear();
    }
}

/// The owning iterator: yields the elements oldest first, or newest first from the back.
pub struct IntoIter<T>(RingBuffer<T>);

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.0.pop_front()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.0.len, Some(self.0.len))
    }
}

impl<T> DoubleEndedIterator for IntoIter<T> {
    fn next_back(&mut self) -> Option<T> {
        self.0.pop_back()
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}

impl<T> IntoIterator for RingBuffer<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter(self)
    }
}

/// A lock-free queue between exactly one producer thread and one consumer thread.
///
/// `tail` counts the items ever pushed and `head` the items ever popped; each counter has one
/// writer. The producer owns the slots outside `head..tail`, the consumer those inside, and a slot
/// changes hands when the owner publishes a new counter value with Release ordering and the other
/// side reads it with Acquire. Counters wrap at `usize::MAX`; the capacity is a power of two so
/// that `counter & mask` still names the right slot after they do.
pub mod spsc {
    use std::cell::UnsafeCell;
    use std::mem::MaybeUninit;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Shared<T> {
        slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
        mask: usize,
        head: AtomicUsize,
        tail: AtomicUsize,
    }

    // SAFETY: slots are only touched by the side that owns them (see the module comment), and
    // ownership moves between the threads through the Release/Acquire pairs on head and tail.
    unsafe impl<T: Send> Sync for Shared<T> {}

    impl<T> Drop for Shared<T> {
        fn drop(&mut self) {
            let tail = *self.tail.get_mut();
            let mut at = *self.head.get_mut();
            while at != tail {
                // SAFETY: slots between head and tail hold pushed, unpopped items, and both sides are
                // gone, so nothing else can reach them.
                unsafe { self.slots[at & self.mask].get_mut().assume_init_drop() };
                at = at.wrapping_add(1);
            }
        }
    }

    pub struct Producer<T> {
        shared: Arc<Shared<T>>,
        /// The last head we read: the producer only reloads it when the queue looks full, which
        /// keeps the consumer's cache line out of the fast path.
        cached_head: usize,
    }

    pub struct Consumer<T> {
        shared: Arc<Shared<T>>,
        cached_tail: usize,
    }

    /// A queue for at least `capacity` items (rounded up to a power of two).
    ///
    /// # Panics
    /// When `capacity` is zero.
    pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
        assert!(capacity > 0, "an spsc queue needs room for at least one item");
        let capacity = capacity.next_power_of_two();
        let slots = (0..capacity).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect::<Vec<_>>();
        let shared = Arc::new(Shared {
            slots: slots.into_boxed_slice(),
            mask: capacity - 1,
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
        });
        (
            Producer { shared: Arc::clone(&shared), cached_head: 0 },
            Consumer { shared, cached_tail: 0 },
        )
    }

    impl<T> Producer<T> {
        pub fn capacity(&self) -> usize {
            self.shared.mask + 1
        }

        /// Pushes `value`, or gives it back when the queue is full.
        pub fn try_push(&mut self, value: T) -> Result<(), T> {
            let tail = self.shared.tail.load(Ordering::Relaxed);
            if tail.wrapping_sub(self.cached_head) == self.capacity() {
                self.cached_head = self.shared.head.load(Ordering::Acquire);
                if tail.wrapping_sub(self.cached_head) == self.capacity() {
                    return Err(value);
                }
            }
            let slot = &self.shared.slots[tail & self.shared.mask];
            // SAFETY: the slot is outside head..tail, so the producer owns it; the Acquire load of
            // head above saw the consumer finish reading it.
            unsafe { (*slot.get()).write(value) };
            self.shared.tail.store(tail.wrapping_add(1), Ordering::Release);
            Ok(())
        }

        /// True once the consumer has been dropped: pushing still works but nobody will read.
        pub fn is_abandoned(&self) -> bool {
            Arc::strong_count(&self.shared) == 1
        }
    }

    impl<T> Consumer<T> {
        /// Pops the oldest item, or None when the queue is empty.
        pub fn try_pop(&mut self) -> Option<T> {
            let head = self.shared.head.load(Ordering::Relaxed);
            if head == self.cached_tail {
                self.cached_tail = self.shared.tail.load(Ordering::Acquire);
                if head == self.cached_tail {
                    return None;
                }
            }
            let slot = &self.shared.slots[head & self.shared.mask];
            // SAFETY: the slot is inside head..tail, so the consumer owns it and the producer's
            // Release store of tail made its write visible.
            let value = unsafe { (*slot.get()).assume_init_read() };
            self.shared.head.store(head.wrapping_add(1), Ordering::Release);
            Some(value)
        }

        /// True once the producer has been dropped; items it pushed before can still be popped.
        pub fn is_abandoned(&self) -> bool {
            Arc::strong_count(&self.shared) == 1
        }
    }
}

/// The scan log: what the agent remembers while the handheld is offline.
pub mod scan {
    use super::RingBuffer;
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ScanEvent {
        pub device: u32,
        /// Numbered by the barcode engine from 1, without gaps, for the life of the device.
        pub seq: u64,
        /// Milliseconds since the Unix epoch, from the device clock.
        pub at_ms: u64,
        pub code: String,
    }

    /// What [`ScanLog::record`] did with an event.
    #[derive(Debug, PartialEq, Eq)]
    pub enum Recorded {
        Stored,
        /// Stored, but the sequence skipped `missing` numbers: scans were lost before they reached
        /// the agent (the engine's own buffer overflowed, usually).
        StoredAfterGap { missing: u64 },
        /// Not stored: the sequence number was not newer than the last one seen. The engine
        /// replays its last few events after a reset.
        Duplicate,
        /// Not stored: the barcode is empty or contains whitespace, which no symbology we use allows.
        Rejected,
    }

    #[derive(Debug, Default, PartialEq, Eq)]
    pub struct ScanStats {
        pub stored: usize,
        /// Events pushed out of the full log before they could be uploaded.
        pub dropped: u64,
        pub missing: u64,
        pub duplicates: u64,
        pub rejected: u64,
    }

    pub struct ScanLog {
        events: RingBuffer<ScanEvent>,
        last_seq: Option<u64>,
        stats: ScanStats,
    }

    impl ScanLog {
        pub fn new(capacity: usize) -> Self {
            ScanLog { events: RingBuffer::with_capacity(capacity), last_seq: None, stats: ScanStats::default() }
        }

        pub fn record(&mut self, event: ScanEvent) -> Recorded {
            if event.code.is_empty() || event.code.chars().any(char::is_whitespace) {
                self.stats.rejected += 1;
                return Recorded::Rejected;
            }
            let outcome = match self.last_seq {
                Some(last) if event.seq <= last => {
                    self.stats.duplicates += 1;
                    return Recorded::Duplicate;
                }
                Some(last) if event.seq > last + 1 => Recorded::StoredAfterGap { missing: event.seq - last - 1 },
                _ => Recorded::Stored,
            };
            if let Recorded::StoredAfterGap { missing } = outcome {
                self.stats.missing += missing;
            }
            self.last_seq = Some(event.seq);
            if self.events.push_overwrite(event).is_some() {
                self.stats.dropped += 1;
            }
            outcome
        }

        /// Up to `max` of the oldest events, removed from the log, for one upload.
        pub fn take_batch(&mut self, max: usize) -> Vec<ScanEvent> {
            let mut batch = Vec::with_capacity(max.min(self.events.len()));
            while batch.len() < max {
                match self.events.pop_front() {
                    Some(event) => batch.push(event),
                    None => break,
                }
            }
            batch
        }

        pub fn stats(&self) -> ScanStats {
            ScanStats { stored: self.events.len(), ..self.stats }
        }
    }

}

#[cfg(test)]
mod tests {
    use super::scan::{Recorded, ScanEvent, ScanLog, ScanStats};
    use super::spsc;
    use super::{Full, RingBuffer};
    use std::cell::Cell;
    use std::rc::Rc;

    /// Counts its own drops, to prove that every element is dropped exactly once.
    struct Tracked {
        drops: Rc<Cell<usize>>,
        id: u32,
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.drops.set(self.drops.get() + 1);
        }
    }

    fn tracked(drops: &Rc<Cell<usize>>, id: u32) -> Tracked {
        Tracked { drops: Rc::clone(drops), id }
    }

    fn filled(capacity: usize, values: impl IntoIterator<Item = i32>) -> RingBuffer<i32> {
        let mut buffer = RingBuffer::with_capacity(capacity);
        buffer.extend(values);
        buffer
    }

    #[test]
    fn pushes_and_pops_in_fifo_order() {
        let mut buffer = RingBuffer::with_capacity(3);
        assert!(buffer.is_empty());
        buffer.push_back(1).unwrap();
        buffer.push_back(2).unwrap();
        assert_eq!(buffer.pop_front(), Some(1));
        buffer.push_back(3).unwrap();
        buffer.push_back(4).unwrap();
        assert!(buffer.is_full());
        assert_eq!(buffer.push_back(5), Err(Full(5)));
        assert_eq!(buffer.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(buffer.pop_back(), Some(4));
        assert_eq!(buffer.pop_front(), Some(2));
        assert_eq!(buffer.pop_front(), Some(3));
        assert_eq!(buffer.pop_front(), None);
    }

    #[test]
    fn overwrite_returns_the_oldest_element() {
        let mut buffer = filled(3, [1, 2, 3]);
        assert_eq!(buffer.push_overwrite(4), Some(1));
        assert_eq!(buffer.push_overwrite(5), Some(2));
        assert_eq!(format!("{buffer:?}"), "[3, 4, 5]");
        assert_eq!(buffer.front(), Some(&3));
        assert_eq!(buffer.back(), Some(&5));
    }

    #[test]
    fn capacity_one_behaves() {
        let mut buffer = RingBuffer::with_capacity(1);
        assert_eq!(buffer.push_overwrite('a'), None);
        assert_eq!(buffer.push_overwrite('b'), Some('a'));
        assert_eq!(buffer.get(0), Some(&'b'));
        assert_eq!(buffer.get(1), None);
    }

    #[test]
    #[should_panic(expected = "at least one element")]
    fn zero_capacity_is_refused() {
        let _ = RingBuffer::<u8>::with_capacity(0);
    }

    #[test]
    fn slices_show_the_wrap() {
        let mut buffer = filled(4, [1, 2, 3, 4]);
        buffer.push_overwrite(5);
        buffer.push_overwrite(6);
        assert_eq!(buffer.as_slices(), (&[3, 4][..], &[5, 6][..]));
        buffer.push_overwrite(7);
        assert_eq!(buffer.as_slices(), (&[4][..], &[5, 6, 7][..]));
        assert_eq!(buffer.iter().copied().collect::<Vec<_>>(), vec![4, 5, 6, 7]);
    }

    #[test]
    fn iterators_run_both_ways_and_know_their_length() {
        let buffer = filled(4, 1..=6);
        let mut iter = buffer.iter();
        assert_eq!(iter.len(), 4);
        assert_eq!(iter.next(), Some(&3));
        assert_eq!(iter.next_back(), Some(&6));
        assert_eq!(iter.len(), 2);
        assert_eq!(iter.collect::<Vec<_>>(), vec![&4, &5]);
        assert_eq!(buffer.into_iter().rev().collect::<Vec<_>>(), vec![6, 5, 4, 3]);
    }

    #[test]
    fn every_element_is_dropped_exactly_once() {
        let drops = Rc::new(Cell::new(0));
        {
            let mut buffer = RingBuffer::with_capacity(3);
            for id in 0..5 {
                buffer.push_overwrite(tracked(&drops, id));
            }
            assert_eq!(drops.get(), 2, "two were pushed out");
            let popped = buffer.pop_front().unwrap();
            assert_eq!(popped.id, 2);
            drop(popped);
            assert_eq!(drops.get(), 3);
        }
        assert_eq!(drops.get(), 5, "dropping the buffer dropped the last two");
    }

    #[test]
    fn drain_yields_then_drops_the_rest() {
        let drops = Rc::new(Cell::new(0));
        let mut buffer = RingBuffer::with_capacity(4);
        for id in 0..4 {
            buffer.push_back(tracked(&drops, id)).ok().unwrap();
        }
        let first = buffer.drain().next().map(|t| t.id);
        assert_eq!(first, Some(0));
        assert_eq!(drops.get(), 4);
        assert!(buffer.is_empty());
        buffer.push_back(tracked(&drops, 9)).ok().unwrap();
        assert_eq!(buffer.len(), 1);
    }

    #[test]
    fn clear_keeps_the_allocation() {
        let mut buffer = filled(3, [1, 2, 3]);
        buffer.clear();
        assert!(buffer.is_empty());
        assert_eq!(buffer.capacity(), 3);
        buffer.extend([7, 8]);
        assert_eq!(buffer.as_slices().0, &[7, 8]);
    }

    #[test]
    fn spsc_rounds_capacity_up_and_refuses_when_full() {
        let (mut tx, mut rx) = spsc::channel(3);
        assert_eq!(tx.capacity(), 4);
        for i in 0..4 {
            tx.try_push(i).unwrap();
        }
        assert_eq!(tx.try_push(4), Err(4));
        assert_eq!(rx.try_pop(), Some(0));
        tx.try_push(4).unwrap();
        let rest: Vec<_> = std::iter::from_fn(|| rx.try_pop()).collect();
        assert_eq!(rest, vec![1, 2, 3, 4]);
        assert_eq!(rx.try_pop(), None);
    }

    #[test]
    fn spsc_moves_every_item_across_threads_in_order() {
        let (mut tx, mut rx) = spsc::channel::<u64>(64);
        const N: u64 = 100_000;
        let producer = std::thread::spawn(move || {
            let mut next = 0;
            while next < N {
                if tx.try_push(next).is_ok() {
                    next += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        });
        let mut expected = 0;
        while expected < N {
            match rx.try_pop() {
                Some(value) => {
                    assert_eq!(value, expected);
                    expected += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        producer.join().unwrap();
        assert!(rx.is_abandoned());
        assert_eq!(rx.try_pop(), None);
    }

    #[test]
    fn spsc_drops_what_nobody_popped() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        struct Counted(Arc<AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, mut rx) = spsc::channel(8);
        for _ in 0..5 {
            assert!(tx.try_push(Counted(Arc::clone(&drops))).is_ok());
        }
        drop(rx.try_pop());
        drop(rx);
        assert!(tx.is_abandoned());
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 5);
    }

    fn event(seq: u64, code: &str) -> ScanEvent {
        ScanEvent { device: 7, seq, at_ms: 1_900_000_000_000 + seq * 1000, code: code.to_string() }
    }

    #[test]
    fn scan_log_counts_gaps_duplicates_and_drops() {
        let mut log = ScanLog::new(3);
        assert_eq!(log.record(event(1, "5012345678900")), Recorded::Stored);
        assert_eq!(log.record(event(2, "5012345678917")), Recorded::Stored);
        assert_eq!(log.record(event(2, "5012345678917")), Recorded::Duplicate);
        assert_eq!(log.record(event(6, "B-14-03-2")), Recorded::StoredAfterGap { missing: 3 });
        assert_eq!(log.record(event(7, "5012345678900")), Recorded::Stored);
        assert_eq!(log.record(event(8, "bad code")), Recorded::Rejected);
        assert_eq!(
            log.stats(),
            ScanStats { stored: 3, dropped: 1, missing: 3, duplicates: 1, rejected: 1 }
        );
    }
}

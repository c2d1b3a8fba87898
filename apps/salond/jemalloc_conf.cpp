// jemalloc's settings for salond, read by jemalloc when the process starts (SALON_JEMALLOC).
//
// - background_thread: freed pages go back to the system from jemalloc's own thread, never
//   from an I/O thread in the middle of a fan-out.
// - dirty_decay_ms: what a burst (a login storm, a backlog of messages) leaves free is
//   returned within about a second of its end...
// - muzzy_decay_ms: ...with MADV_DONTNEED at once, not MADV_FREE first: lazily freed pages
//   still count in the resident size until the kernel needs them, which hides what salond
//   really holds.
extern "C" {
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

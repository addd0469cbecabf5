// What a timer runs when it is due: a move-only callable that keeps small captures inline.
//
// Why not std::function: libstdc++ stores a capture inline only when it is trivially
// copyable, so the usual connection timer (a weak actor reference and a byte) cost a heap
// allocation per armed timer. Here any capture of up to kInlineSize bytes that moves without
// throwing lives inside the callback; larger ones go to the heap as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace herald {

class TimerCallback {
 public:
  static constexpr size_t kInlineSize = 24;

  TimerCallback() noexcept = default;

  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, TimerCallback> &&
             std::is_invocable_v<std::decay_t<F>&, uint64_t>)
  TimerCallback(F&& f) {  // NOLINT(google-explicit-constructor): used like std::function
    using T = std::decay_t<F>;
    if constexpr (stored_inline<T>) {
      ::new (static_cast<void*>(buf_)) T(std::forward<F>(f));
      ops_ = &kInlineOps<T>;
    } else {
      ::new (static_cast<void*>(buf_)) T*(new T(std::forward<F>(f)));
      ops_ = &kHeapOps<T>;
    }
  }

  TimerCallback(TimerCallback&& other) noexcept : ops_(other.ops_) {
    if (ops_) ops_->relocate(other.buf_, buf_);
    other.ops_ = nullptr;
  }

  TimerCallback& operator=(TimerCallback&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      if (ops_) ops_->relocate(other.buf_, buf_);
      other.ops_ = nullptr;
    }
    return *this;
  }

  TimerCallback(const TimerCallback&) = delete;
  TimerCallback& operator=(const TimerCallback&) = delete;

  ~TimerCallback() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  void operator()(uint64_t id) { ops_->call(buf_, id); }

  /// Destroys the callable (and what it captured); the callback is empty afterwards.
  void reset() noexcept {
    if (ops_) ops_->destroy(buf_);
    ops_ = nullptr;
  }

  /// Whether a callable of type T is kept inline (for tests).
  template <class T>
  static constexpr bool stored_inline = sizeof(T) <= kInlineSize &&
                                        alignof(T) <= alignof(void*) &&
                                        std::is_nothrow_move_constructible_v<T>;

 private:
  struct Ops {
    void (*call)(void* buf, uint64_t id);
    /// Moves the callable from `from` to `to` and ends its life at `from`.
    void (*relocate)(void* from, void* to) noexcept;
    void (*destroy)(void* buf) noexcept;
  };

  template <class T>
  static constexpr Ops kInlineOps{
      [](void* buf, uint64_t id) { (*std::launder(static_cast<T*>(buf)))(id); },
      [](void* from, void* to) noexcept {
        T* src = std::launder(static_cast<T*>(from));
        ::new (to) T(std::move(*src));
        src->~T();
      },
      [](void* buf) noexcept { std::launder(static_cast<T*>(buf))->~T(); }};

  template <class T>
  static constexpr Ops kHeapOps{
      [](void* buf, uint64_t id) { (**std::launder(static_cast<T**>(buf)))(id); },
      [](void* from, void* to) noexcept { ::new (to) T*(*std::launder(static_cast<T**>(from))); },
      [](void* buf) noexcept { delete *std::launder(static_cast<T**>(buf)); }};

  alignas(void*) unsigned char buf_[kInlineSize];
  const Ops* ops_ = nullptr;
};

}  // namespace herald

// A chainable form of the common pipeline, after Rayon's `data.par_iter().map(f).collect()`:
//
//     std::vector<int> doubled = duet::par::view(v) | duet::par::map([](int x) { return x * 2; })
//                                                  | duet::par::collect();
//     auto big = duet::par::view(words) | duet::par::map(&std::string::size)
//                                       | duet::par::filter([](std::size_t n) { return n > 8; })
//                                       | duet::par::collect({.grain = 1024});
//
// Nothing runs until collect(); the stages are fused into one parallel pass: map-only pipelines
// are a par::for_index writing the result, pipelines with filters a par::copy_if sweep over the
// computed values. So a pipeline costs no more than the equivalent plain calls (and saves their
// intermediate vectors). The view refers to the range: keep it alive until collect() returns.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "duet/par/filter.hpp"
#include "duet/par/for_each.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

template <class F>
struct map_stage {
  F f;
};
template <class P>
struct filter_stage {
  P pred;
};
struct collect_stage {
  options opt;
};

/// A pipeline stage applying `f` to every element.
template <class F>
map_stage<F> map(F f) {
  return {std::move(f)};
}
/// A pipeline stage keeping the elements that satisfy `pred`, in order.
template <class P>
  requires(!std::ranges::range<P>)
filter_stage<P> filter(P pred) {
  return {std::move(pred)};
}
/// The end of a pipeline: runs it and returns its elements as a std::vector.
inline collect_stage collect(const options& opt = {}) { return {opt}; }

namespace detail {
/// The element type of a pipeline step's result: the result itself, or what its optional holds.
template <class R, bool Filtered>
struct element_of {
  using type = std::remove_cvref_t<R>;
};
template <class R>
struct element_of<R, true> {
  using type = typename std::remove_cvref_t<R>::value_type;
};
}  // namespace detail

/// A lazy pipeline over a random-access range. Fn(src, i) gives element i's value (Filtered =
/// false) or an optional that is empty when a filter dropped it (Filtered = true).
template <class Src, class Fn, bool Filtered>
class pipeline {
  using result_t = std::invoke_result_t<const Fn&, const Src&, std::size_t>;

 public:
  using value_type = typename detail::element_of<result_t, Filtered>::type;

  pipeline(Src src, Fn fn) : src_(std::move(src)), fn_(std::move(fn)) {}

  template <class F>
  auto operator|(map_stage<F> stage) const {
    auto next = [fn = fn_, f = std::move(stage.f)](const Src& src, std::size_t i) {
      if constexpr (Filtered) {
        using out_t = std::remove_cvref_t<std::invoke_result_t<const F&, value_type&&>>;
        auto v = fn(src, i);
        return v ? std::optional<out_t>(std::invoke(f, std::move(*v))) : std::nullopt;
      } else {
        return std::invoke(f, fn(src, i));
      }
    };
    return pipeline<Src, decltype(next), Filtered>(src_, std::move(next));
  }

  template <class P>
  auto operator|(filter_stage<P> stage) const {
    auto next = [fn = fn_, p = std::move(stage.pred)](const Src& src, std::size_t i) {
      std::optional<value_type> v;
      if constexpr (Filtered) {
        v = fn(src, i);
      } else {
        v.emplace(fn(src, i));
      }
      if (v && !std::invoke(p, std::as_const(*v))) v.reset();
      return v;
    };
    return pipeline<Src, decltype(next), true>(src_, std::move(next));
  }

  std::vector<value_type> operator|(const collect_stage& stage) const {
    const auto n = static_cast<std::size_t>(std::ranges::size(src_));
    if constexpr (!Filtered) {
      std::vector<value_type> out(n);
      par::for_index(std::size_t{0}, n, [&](std::size_t i) { out[i] = fn_(src_, i); }, stage.opt);
      return out;
    } else {
      static_assert(std::is_default_constructible_v<value_type>,
                    "collect() after filter() needs a default constructor");
      auto values =
          std::views::iota(std::size_t{0}, n) | std::views::transform([this](std::size_t i) { return fn_(src_, i); });
      auto buffer = std::make_unique_for_overwrite<value_type[]>(n);
      auto has_value = [](const auto& v) { return v.has_value(); };
      auto unwrap = [](auto&& v) { return std::move(*v); };
      const std::size_t kept = detail::compact(values.begin(), n, buffer.get(), has_value, unwrap, stage.opt);
      return std::vector<value_type>(std::make_move_iterator(buffer.get()),
                                     std::make_move_iterator(buffer.get() + kept));
    }
  }

 private:
  Src src_;
  Fn fn_;
};

/// Starts a pipeline over the random-access range `r` (held by reference unless it is a view).
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R> && std::ranges::viewable_range<R>
auto view(R&& r) {
  using src_t = std::views::all_t<R>;
  auto identity = [](const src_t& src, std::size_t i) -> decltype(auto) {
    return std::ranges::begin(src)[static_cast<std::ranges::range_difference_t<src_t>>(i)];
  };
  return pipeline<src_t, decltype(identity), false>(std::views::all(std::forward<R>(r)), identity);
}

}  // namespace duet::par

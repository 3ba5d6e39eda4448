// Uses an installed duet: a runtime, a spawned task, when_all and a fork-join; exits 0 when
// every answer is right.
#include <duet/duet.hpp>

#include <cstdio>

duet::task<int> square(int x) { co_return x* x; }

duet::task<int> async_main() {
  auto [a, b] = co_await duet::when_all(square(3), square(4));
  int c = co_await duet::spawn(square(5));
  co_return a + b + c;  // 9 + 16 + 25
}

int main() {
  duet::runtime rt({.cpu_threads = 2});
  const int sum = rt.block_on(async_main());
  auto [x, y] = duet::join([] { return 20; }, [] { return 22; });
  std::printf("consumer: when_all + spawn = %d, join = %d\n", sum, x + y);
  return sum == 50 && x + y == 42 ? 0 : 1;
}

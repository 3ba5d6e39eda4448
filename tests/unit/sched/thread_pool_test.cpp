#include "duet/sched/thread_pool.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "duet/core/latch.hpp"
#include "duet/runtime.hpp"
#include "duet/sched/worker.hpp"
#include "unit/core/test_support.hpp"

namespace {

using duet::detail::job;

/// A job that runs a std::function (tests only; the runtime's jobs never allocate).
struct fn_job : job {
  std::function<void()> fn;
  explicit fn_job(std::function<void()> f) : fn(std::move(f)) {
    run_ = [](job* self) noexcept { static_cast<fn_job*>(self)->fn(); };
  }
};

/// Names of every thread of this process, from /proc/self/task/*/comm.
std::multiset<std::string> thread_names() {
  std::multiset<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(entry.path() / "comm");
    std::string name;
    if (std::getline(in, name)) names.insert(name);
  }
  return names;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

TEST(ThreadPool, SizeIsTheRequestedNumberOfWorkers) {
  duet::thread_pool p({.threads = 3});
  EXPECT_EQ(p.size(), 3u);
}

TEST(ThreadPool, DefaultSizeIsTheHardwareConcurrency) {
  duet::thread_pool p;
  EXPECT_EQ(p.size(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(ThreadPool, PostFromOutsideRunsTheJobOnAWorker) {
  duet::thread_pool p({.threads = 2});
  duet::detail::latch_flag done;
  duet::executor* seen = nullptr;
  std::thread::id tid;
  fn_job j([&] {
    seen = duet::detail::current_executor();
    tid = std::this_thread::get_id();
    done.set();
  });
  p.post(j);
  done.wait();
  EXPECT_EQ(seen, &p);
  EXPECT_NE(tid, std::this_thread::get_id());
  EXPECT_EQ(duet::detail::current_executor(), nullptr);  // the test thread belongs to no pool
}

TEST(ThreadPool, JobsPostedFromOutsideRunInFifoOrder) {
  duet::thread_pool p({.threads = 1});
  duet::detail::latch_flag gate, done;
  fn_job blocker([&] { gate.wait(); });
  p.post(blocker);  // occupies the only worker while the queue fills
  std::vector<int> order;
  std::vector<std::unique_ptr<fn_job>> jobs;
  for (int i = 0; i < 10; ++i) jobs.push_back(std::make_unique<fn_job>([&order, i] { order.push_back(i); }));
  fn_job last([&] { done.set(); });
  for (int i = 0; i < 10; ++i) {
    if (i % 2 == 0)
      p.post(*jobs[i]);
    else
      p.post_fifo(*jobs[i]);
  }
  p.post(last);
  gate.set();
  done.wait();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

// A job that posts two children from inside the pool until a depth: a binary tree of jobs.
struct tree_job : job {
  duet::thread_pool* pool;
  int depth;
  std::atomic<long>* count;
  duet::detail::latch_flag* all_done;
  long total;
  tree_job* kids = nullptr;  // two of them, allocated by the parent
  tree_job(duet::thread_pool* p, int d, std::atomic<long>* c, duet::detail::latch_flag* f, long t)
      : pool(p), depth(d), count(c), all_done(f), total(t) {
    run_ = &exec;
  }
  ~tree_job() {
    if (kids != nullptr) {
      kids[0].~tree_job();
      kids[1].~tree_job();
      ::operator delete(kids);
    }
  }
  static void exec(job* self) noexcept {
    auto* t = static_cast<tree_job*>(self);
    if (t->depth > 0) {
      t->kids = static_cast<tree_job*>(::operator new(2 * sizeof(tree_job)));
      for (int i = 0; i < 2; ++i) {
        new (&t->kids[i]) tree_job(t->pool, t->depth - 1, t->count, t->all_done, t->total);
        t->pool->post(t->kids[i]);  // from inside: the worker's own deque
      }
    }
    if (t->count->fetch_add(1) + 1 == t->total) t->all_done->set();
  }
};

TEST(ThreadPool, PostFromInsideRunsEveryJobExactlyOnce) {
  duet::thread_pool p({.threads = 2});
  constexpr int depth = 12;
  constexpr long total = (1L << (depth + 1)) - 1;
  std::atomic<long> count{0};
  duet::detail::latch_flag done;
  tree_job root(&p, depth, &count, &done, total);
  p.post(root);
  done.wait();
  EXPECT_EQ(count.load(), total);
  p.shutdown();  // every job ran; the tree can be freed once the workers are gone
  EXPECT_EQ(count.load(), total);
}

TEST(ThreadPool, PostFromInsideGoesToTheWorkersOwnDeque) {
  duet::thread_pool p({.threads = 1});  // one worker: nobody can steal the child
  duet::detail::latch_flag done;
  duet::detail::job* popped = nullptr;
  bool child_ran = false;
  fn_job child([&] { child_ran = true; });
  fn_job parent([&] {
    p.post(child);
    popped = duet::detail::tls_worker->pop();  // the bottom of this worker's deque
    done.set();
  });
  p.post(parent);
  done.wait();
  EXPECT_EQ(popped, &child);
  EXPECT_FALSE(child_ran);  // taken back before any worker could run it
}

TEST(ThreadPool, StoppingBecomesTrueOnShutdownAndShutdownIsIdempotent) {
  duet::thread_pool p({.threads = 2});
  EXPECT_FALSE(p.stopping());
  p.shutdown();
  EXPECT_TRUE(p.stopping());
  p.shutdown();
  EXPECT_TRUE(p.stopping());
}

TEST(ThreadPool, ShutdownRunsEverythingStillQueued) {
  duet::thread_pool p({.threads = 1});
  duet::detail::latch_flag gate;
  std::atomic<int> saw_stopping{0};
  fn_job blocker([&] { gate.wait(); });
  p.post(blocker);
  std::atomic<int> ran{0};
  std::vector<std::unique_ptr<fn_job>> jobs;
  for (int i = 0; i < 100; ++i)
    jobs.push_back(std::make_unique<fn_job>([&] {
      duet::executor* ex = duet::detail::current_executor();
      if (ex == nullptr || ex->stopping()) saw_stopping.fetch_add(1);
      ran.fetch_add(1);
    }));
  for (auto& j : jobs) p.post(*j);
  std::thread closer([&] { p.shutdown(); });  // shutdown begins while 100 jobs are queued
  ASSERT_TRUE(duet_test::spin_until([&] { return p.stopping(); }));
  EXPECT_EQ(ran.load(), 0);
  gate.set();
  closer.join();
  EXPECT_EQ(ran.load(), 100);
  EXPECT_EQ(saw_stopping.load(), 100);  // queued work runs after stopping() became true
}

/// Waits until the process has exactly `n` threads named `name` (workers name themselves as
/// they start, so a pool's constructor may return before the names appear).
bool named_threads_appear(const std::string& name, std::size_t n) {
  return duet_test::spin_until([&] { return thread_names().count(name) == n; }, std::chrono::seconds(10));
}

TEST(ThreadPool, WorkerThreadsAreNamedAfterThePool) {
  duet::runtime rt({.cpu_threads = 2});
  EXPECT_TRUE(named_threads_appear("duet-cpu-0", 1));
  EXPECT_TRUE(named_threads_appear("duet-cpu-1", 1));
  EXPECT_EQ(thread_names().count("duet-cpu-2"), 0u);
  duet::thread_pool p({.threads = 1, .name = "custom-pool"});
  EXPECT_TRUE(named_threads_appear("custom-pool-0", 1));
}

TEST(ThreadPool, LongNamesAreTruncatedToTheKernelLimit) {
  duet::thread_pool p({.threads = 1, .name = "a-very-long-pool-name"});
  EXPECT_TRUE(named_threads_appear(std::string("a-very-long-pool-name-0").substr(0, 15), 1));
}

TEST(ThreadPool, AnIdlePoolUsesAlmostNoCpu) {
  duet::thread_pool p({.threads = 2});
  // Give the workers work once, so they have been through the spin-then-park path.
  std::atomic<int> ran{0};
  fn_job a([&] { ran.fetch_add(1); }), b([&] { ran.fetch_add(1); });
  p.post(a);
  p.post(b);
  ASSERT_TRUE(duet_test::spin_until([&] { return ran.load() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let them park
  const double before = process_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double used = process_cpu_seconds() - before;
  // Spinning workers would burn ~2 s of CPU here; parked ones burn nothing.
  EXPECT_LT(used, 0.05) << "an idle pool used " << used * 1000 << " ms of CPU in 1 s";
}

TEST(ThreadPool, AmbientPoolIsTheRuntimesCpuPoolWhileOneExists) {
  {
    duet::runtime rt({.cpu_threads = 1});
    EXPECT_EQ(&duet::detail::ambient_pool(), &rt.cpu());
  }
  // Without a runtime: a process-wide pool, created once and reused.
  duet::thread_pool& a = duet::detail::ambient_pool();
  duet::thread_pool& b = duet::detail::ambient_pool();
  EXPECT_EQ(&a, &b);
  EXPECT_FALSE(a.stopping());
  EXPECT_TRUE(named_threads_appear("duet-par-0", 1));
}

TEST(ThreadPool, ClearAmbientPoolOnlyClearsTheRegisteredPool) {
  duet::thread_pool p({.threads = 1}), q({.threads = 1});
  duet::detail::set_ambient_pool(&p);
  duet::detail::clear_ambient_pool(&q);  // not the registered one: no effect
  EXPECT_EQ(&duet::detail::ambient_pool(), &p);
  duet::detail::clear_ambient_pool(&p);
  EXPECT_NE(&duet::detail::ambient_pool(), &p);
}

TEST(ThreadPool, ManyThreadsPostingFromOutsideRunEveryJobOnce) {
  duet::thread_pool p({.threads = 2});
  constexpr int posters = 4;
  const int per = static_cast<int>(duet_test::scaled(5000, 500));
  std::vector<std::atomic<int>> runs(posters * per);
  std::vector<std::unique_ptr<fn_job>> jobs;
  for (int i = 0; i < posters * per; ++i)
    jobs.push_back(std::make_unique<fn_job>([&runs, i] { runs[i].fetch_add(1); }));
  std::vector<std::thread> ts;
  for (int t = 0; t < posters; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < per; ++i) p.post(*jobs[t * per + i]);
    });
  for (auto& t : ts) t.join();
  p.shutdown();  // drains
  for (int i = 0; i < posters * per; ++i) ASSERT_EQ(runs[i].load(), 1) << "job " << i;
}

}  // namespace

// The default thread count: the cores that other busy processes leave free.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <QtTest/QtTest>

#include "ncsn/free_cpu_cores.hpp"

namespace {

ncsn::CpuTimes reading(double total, double idle, double own, int cores = 4) {
  ncsn::CpuTimes t;
  t.total = total, t.idle = idle, t.own = own, t.cores = cores, t.valid = true;
  return t;
}

}  // namespace

class TestFreeCpuCores : public QObject {
  Q_OBJECT

 private slots:
  void othersWorkTakesCoresAndOwnWorkDoesNot() {
    const auto before = reading(1000, 800, 10);
    // 100 ticks on 4 cores = 25 ticks of wall time. 50 busy ticks, all of them ours: 4 free.
    QCOMPARE(ncsn::free_cores_between(before, reading(1100, 850, 60), 4), 4);
    // 50 busy ticks, none of them ours: two cores' worth taken, 2 free.
    QCOMPARE(ncsn::free_cores_between(before, reading(1100, 850, 10), 4), 2);
    // 35 ticks of other work (1.4 cores) rounds to 1 taken.
    QCOMPARE(ncsn::free_cores_between(before, reading(1100, 865, 10), 4), 3);
    // Everything busy with others: still one thread, never none.
    QCOMPARE(ncsn::free_cores_between(before, reading(1100, 800, 10), 4), 1);
  }

  void othersLoadIsMeasuredInCores() {
    const auto before = reading(1000, 800, 10);
    QCOMPARE(ncsn::others_busy_cores(before, reading(1100, 865, 10)), 1.4);  // 35 of 100 ticks on 4 cores
    QCOMPARE(ncsn::others_busy_cores(before, reading(1100, 850, 60)), 0.0);  // all of it ours
    QCOMPARE(ncsn::others_busy_cores(ncsn::CpuTimes{}, before), 0.0);          // unreadable: none known
  }

  void unreadableOrStalledClocksLeaveEveryCoreFree() {
    ncsn::CpuTimes missing;
    QCOMPARE(ncsn::free_cores_between(missing, missing, 8), 8);
    const auto same = reading(1000, 800, 10);
    QCOMPARE(ncsn::free_cores_between(same, same, 8), 8);
  }

  void thisMachinesClocksAreRead() {
    const auto t = ncsn::read_cpu_times();
    QVERIFY(t.valid);
    QVERIFY(t.cores >= 1);
    QVERIFY(t.total > 0 && t.idle >= 0 && t.idle <= t.total);
    const int free = ncsn::free_cpu_cores(std::chrono::milliseconds(50));
    QVERIFY(free >= 1 && free <= int(std::max(1u, std::thread::hardware_concurrency())));
  }

  void aBusyProcessBesideItTakesACore() {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0)
      for (volatile unsigned long spin = 0;; spin = spin + 1) {
      }
    const int free = ncsn::free_cpu_cores(std::chrono::milliseconds(300));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    QVERIFY2(free <= std::max(1, cores - 1), qPrintable(QStringLiteral("%1 of %2 cores free").arg(free).arg(cores)));
  }
};

QTEST_APPLESS_MAIN(TestFreeCpuCores)
#include "test_free_cpu_cores.moc"

import Foundation
import TestSupport
import XCTest

/// The runner every CLI and browser test goes through: a hung program is killed at its limit, and
/// a descendant left running after the program ends is killed with it, not left to hold the run open.
final class ChildProcessTests: XCTestCase {
    func testAHangIsKilledAtItsLimitAndTheStatusAndOutputAreCollected() throws {
        let start = Date()
        XCTAssertThrowsError(try ChildProcess.run("/bin/sh", ["-c", "echo started >&2; sleep 60"], timeout: 0.5)) { error in
            XCTAssertTrue("\(error)".contains("still running after 0 s, killed"), "\(error)")
            XCTAssertTrue("\(error)".contains("started"), "the error carries the program's stderr: \(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)

        let run = try ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: 30)
        XCTAssertEqual([run.status], [3])
        XCTAssertEqual([run.stdout, run.stderr], ["out\n", "err\n"])
    }

    func testDescendantsStillRunningWhenTheProgramEndsAreKilled() throws {
        let marker = Fixtures.temporaryDirectory() + "/descendant.pid"
        let run = try ChildProcess.run("/bin/sh", ["-c", "sleep 60 & echo $! > \(marker)"], timeout: 30)
        XCTAssertEqual(run.status, 0, run.stderr)
        let pid = try XCTUnwrap(pid_t(try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Killed (a zombie until init reaps it, so read its state rather than kill(pid, 0)).
        let deadline = Date().addingTimeInterval(10)
        func alive() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            return !stat.contains(") Z ")
        }
        while alive(), Date() < deadline { usleep(10_000) }
        XCTAssertFalse(alive(), "the descendant \(pid) outlived its program")
    }
}

import Foundation

/// One updating terminal line: count, rate, ETA and a detail string. Plain lines every few
/// seconds when standard error is not a terminal (CI logs).
public final class ProgressLine {
    let total: Int
    let label: String
    /// Work finished before this run (a resumed job): not counted in the rate. nil: what the first
    /// update reports, timed from then (a job that learns where it resumes only once it runs).
    private var alreadyDone: Int?
    private var start = Date()
    private var lastPrint = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) != 0

    public init(total: Int, label: String, alreadyDone: Int? = 0) {
        self.total = total
        self.label = label
        self.alreadyDone = alreadyDone
    }

    public func update(_ done: Int, detail: String = "") {
        if alreadyDone == nil { (alreadyDone, start) = (done, Date()) }
        let now = Date()
        let interval = isTerminal ? 0.1 : 5.0
        guard now.timeIntervalSince(lastPrint) >= interval || done == total else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed < 1 ? 0 : Double(done - alreadyDone!) / elapsed
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let speed = rate > 0 ? String(format: "%.2f it/s  ETA %@", rate, Self.clock(eta)) : "-- it/s  ETA --"
        let line = String(format: "%@ %d/%d  %@  %@", label, done, total, speed, detail)
        FileHandle.standardError.write(((isTerminal ? "\r\u{1B}[K" : "") + line + (isTerminal ? "" : "\n")).data(using: .utf8)!)
    }

    /// A line that stays (above the updating one in a terminal), such as a periodic evaluation.
    public func note(_ text: String) {
        FileHandle.standardError.write(((isTerminal ? "\r\u{1B}[K" : "") + text + "\n").data(using: .utf8)!)
        lastPrint = .distantPast  // redraw the progress line at the next update
    }

    public func finish() {
        if isTerminal { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

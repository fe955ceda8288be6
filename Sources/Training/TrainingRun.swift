import Foundation
import Tensor

/// The loop every training command shares: steps until the step budget or the time budget is spent
/// or Ctrl-C arrives, the loss history (means of the terms over `recordEvery` steps), an atomic
/// checkpoint every `checkpointSeconds` (or every `checkpointEvery` steps) and at the end, and a validation hook every
/// `validateEvery` steps. The step closure must be a function of the step number alone (its
/// randomness seeded by it), so that a resumed run repeats an uninterrupted one exactly.
public final class TrainingRun {
    public struct Schedule {
        public var totalSteps: Int
        public var minutes: Double?
        public var checkpointSeconds: Double = 300
        /// Steps between checkpoints instead of `checkpointSeconds` (a multiple of `recordEvery`: a
        /// checkpoint falls on a loss record, so a resumed run's history is an uninterrupted one's).
        public var checkpointEvery: Int?
        public var recordEvery = 10
        public var validateEvery = 500
        public init(totalSteps: Int, minutes: Double? = nil) { (self.totalSteps, self.minutes) = (totalSteps, minutes) }
    }

    /// Set by SIGINT / SIGTERM once `installInterruptHandler` ran: the loop checkpoints and returns.
    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

    public static func installInterruptHandler() {
        signal(SIGINT) { _ in TrainingRun.interrupted = 1 }
        signal(SIGTERM) { _ in TrainingRun.interrupted = 1 }
    }

    public private(set) var history: [LossRecord]
    public private(set) var step: Int
    let schedule: Schedule

    public init(schedule: Schedule, startStep: Int, history: [LossRecord]) {
        (self.schedule, self.step, self.history) = (schedule, startStep, history)
    }

    /// Why the loop stopped.
    public enum Ending: String { case finished, timeUp = "time budget spent", interrupted }

    /// `trainStep(step)` runs step `step` (0-based) and returns its named loss terms (key "loss" is
    /// the total); `checkpoint(stepsDone, history)` saves; `validate(stepsDone)` writes sheets and
    /// metrics; `progress(stepsDone, detail)` shows the line.
    public func run(trainStep: (Int) throws -> [String: Float], checkpoint: (Int, [LossRecord]) throws -> Void,
                    validate: ((Int) throws -> Void)? = nil, progress: (Int, String) -> Void) throws -> Ending {
        let start = Date()
        var lastCheckpoint = Date()
        var sums: [String: Double] = [:], count = 0
        var ending = Ending.finished
        while step < schedule.totalSteps {
            if TrainingRun.interrupted != 0 { ending = .interrupted; break }
            if let minutes = schedule.minutes, Date().timeIntervalSince(start) >= minutes * 60 { ending = .timeUp; break }
            let terms = try trainStep(step)
            step += 1
            for (k, v) in terms { sums[k, default: 0] += Double(v) }
            count += 1
            if step % schedule.recordEvery == 0 || step == schedule.totalSteps {
                var means = sums.mapValues { Float($0 / Double(count)) }
                let loss = means.removeValue(forKey: "loss") ?? .nan
                history.append(LossRecord(step: step, loss: loss, terms: means))
                (sums, count) = ([:], 0)
            }
            let last = history.last
            let detail = last.map { r in
                (["loss \(Self.format(r.loss))"] + r.terms.keys.sorted().map { "\($0) \(Self.format(r.terms[$0]!))" })
                    .joined(separator: "  ")
            } ?? ""
            progress(step, detail)
            if let validate, step % schedule.validateEvery == 0 { try validate(step) }
            let due = schedule.checkpointEvery.map { step % $0 == 0 } ?? (Date().timeIntervalSince(lastCheckpoint) >= schedule.checkpointSeconds)
            if step % schedule.recordEvery == 0, due, step < schedule.totalSteps {
                try checkpoint(step, history)
                lastCheckpoint = Date()
            }
        }
        try checkpoint(step, history)
        return ending
    }

    static func format(_ v: Float) -> String { String(format: abs(v) >= 0.01 || v == 0 ? "%.4f" : "%.3e", v) }
}

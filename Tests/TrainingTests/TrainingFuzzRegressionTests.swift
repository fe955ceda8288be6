import Foundation
import NN
import Tensor
import TestSupport
import Training
import XCTest

/// Inputs the trainer-checkpoint harness found (Tests/Fuzz/trainer-checkpoint/regressions,
/// docs/FUZZING.md), each refused with an error naming the file before anything is restored.
final class TrainingFuzzRegressionTests: XCTestCase {
    /// The harness's model: two parameters with AdamW and an EMA, fingerprint "orbit-fuzz trainer".
    struct Run {
        let parameters = [("a", Tensor.normal([3, 4], seed: 1).requiringGrad()), ("b", Tensor.normal([5], seed: 2).requiringGrad())]
        let optimizer: Adam, ema: ExponentialMovingAverage
        init() {
            optimizer = Adam.adamW(groups: [ParameterGroup(parameters: parameters.map(\.1), learningRate: 0.01, weightDecay: 0.1)])
            ema = ExponentialMovingAverage(parameters, decay: 0.9)
        }

        func restore(_ name: String) throws -> TrainerCheckpoint.Contents {
            try TrainerCheckpoint.restore(from: FuzzRegressions.path("trainer-checkpoint", name), fingerprint: "orbit-fuzz trainer",
                                          parameters: parameters, optimizer: optimizer, ema: ema)
        }
    }

    /// An EMA entry of another shape than its parameter's tripped a precondition in the EMA.
    func testEMAEntryOfAnotherShape() throws {
        let run = Run(), before = run.parameters.map { $0.1.toArray() }
        assertThrows(try run.restore("ema-shape-precondition.safetensors"), containing: "ema-shape-precondition.safetensors: ema.b has shape")
        XCTAssertEqual(run.parameters.map { $0.1.toArray() }, before, "nothing restored")
    }

    /// adam_step Int.max was restored and overflowed in the next update (a trap).
    func testAdamStepThatOverflows() throws {
        assertThrows(try Run().restore("adam-step-overflow.safetensors"),
                     containing: "adam-step-overflow.safetensors: adam_step 9223372036854775807 is not a whole number in 0...2147483647")
    }
}

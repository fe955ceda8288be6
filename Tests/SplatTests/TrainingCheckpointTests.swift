import Foundation
import Splat
import Tensor
import TestSupport
import XCTest

/// Crafted `splat fit --resume` checkpoints are refused, naming the file and the problem, before any
/// kernel sees them (short Adam moments made the C Adam kernel write past its array; NaN counts, short
/// blocks and a negative step trapped).
final class TrainingCheckpointTests: XCTestCase {
    struct Checkpoint {
        var tensors: [String: [Float]]
        var metadata: [String: String]
    }

    var config: TrainingConfig {
        var config = TrainingConfig()
        (config.iterations, config.initialGaussians, config.shDegree) = (40, 50, 1)
        return config
    }

    /// A real checkpoint after a few steps, as name -> values and metadata.
    func checkpoint(_ views: [DatasetView]) throws -> Checkpoint {
        let trainer = SplatTrainer(views: views, config: config)
        for _ in 0..<5 { trainer.trainStep() }
        let path = Fixtures.temporaryDirectory() + "/good.safetensors"
        try trainer.saveCheckpoint(to: path)
        let file = try SafeTensorsFile(path: path)
        return Checkpoint(tensors: Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor($0).toArray()) }),
                          metadata: file.metadata)
    }

    func testCraftedCheckpointsAreRefusedBeforeTraining() throws {
        let views = SplatTrainerTests.views(of: SplatTrainerTests.groundTruth(), count: 4, size: 24)
        let good = try checkpoint(views)
        let cases: [(String, (inout Checkpoint) -> Void, String)] = [
            ("Adam moments 30 values short", { $0.tensors["adam_m.means"]!.removeLast(30) },
             "adam_m.means holds 120 values; 50 Gaussians need 150 (3 each)"),
            ("short means", { $0.tensors["means"]!.removeLast(3) }, "means holds 147 values; 50 Gaussians need 150"),
            ("short SH", { $0.tensors["sh"]!.removeLast(12) }, "sh holds 588 values; 50 Gaussians need 600 (12 each)"),
            ("short gradient_sum", { $0.tensors["gradient_sum"]!.removeLast() }, "gradient_sum holds 49 values; 50 Gaussians need 50"),
            ("NaN gradient_count", { $0.tensors["gradient_count"]![7] = .nan }, "gradient_count[7] is nan (not finite)"),
            ("fractional gradient_count", { $0.tensors["gradient_count"]![2] = 1.5 }, "gradient_count[2] is 1.5, not a whole number"),
            ("gradient_count over the step", { $0.tensors["gradient_count"]![3] = 1e12 }, "gradient_count[3] is 1e+12 (above 5.0)"),
            ("negative Adam v", { $0.tensors["adam_v.sh"]![4] = -1 }, "adam_v.sh[4] is -1.0 (below 0.0)"),
            ("infinite Adam m", { $0.tensors["adam_m.quaternions"]![0] = .infinity }, "adam_m.quaternions[0] is inf (not finite)"),
            ("NaN mean", { $0.tensors["means"]![6] = .nan }, "means[6] is nan (not finite)"),
            ("huge scale", { $0.tensors["log_scales"]![9] = 1e30 }, "Gaussian 3 of 50 has log scale 1e+30"),
            ("negative step", { $0.metadata["step"] = "-100" }, "step -100 is not a whole number in 0...40"),
            ("non-numeric step", { $0.metadata["step"] = "abc" }, "step abc is not a whole number in 0...40"),
            ("step past the run", { $0.metadata["step"] = "41" }, "step 41 is not a whole number in 0...40"),
            ("no opacity", { $0.tensors["opacity_logits"] = nil }, "checkpoint lacks opacity_logits"),
        ]
        let dir = Fixtures.temporaryDirectory()
        for (name, change, expected) in cases {
            var crafted = good
            change(&crafted)
            let path = dir + "/crafted.safetensors"
            try SafeTensors.write(crafted.tensors.map { ($0.key, Tensor($0.value, shape: [$0.value.count])) }, metadata: crafted.metadata, to: path)
            let trainer = SplatTrainer(views: views, config: config)
            let before = trainer.gaussians
            XCTAssertThrowsError(try trainer.resume(from: path), name) {
                XCTAssertTrue("\($0)".contains("crafted.safetensors: " + expected), "\(name): \($0)")
            }
            XCTAssertEqual(trainer.gaussians, before, "\(name): nothing restored")
            XCTAssertEqual(trainer.step, 0)
        }
        // The untouched checkpoint still resumes and trains on.
        let path = dir + "/good.safetensors"
        try SafeTensors.write(good.tensors.map { ($0.key, Tensor($0.value, shape: [$0.value.count])) }, metadata: good.metadata, to: path)
        let trainer = SplatTrainer(views: views, config: config)
        try trainer.resume(from: path)
        XCTAssertEqual(trainer.step, 5)
        XCTAssertEqual(trainer.trainStep().step, 6)
    }
}

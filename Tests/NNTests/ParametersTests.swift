import Foundation
import NN
import Tensor
import TestSupport
import XCTest

final class ParametersTests: XCTestCase {
    private func checkpoint(_ tensors: [(String, Tensor)], dtype: SafeTensorsDType = .f32) throws -> String {
        let path = Fixtures.temporaryDirectory() + "/w.safetensors"
        try SafeTensors.write(tensors, dtype: dtype, to: path)
        return path
    }

    func testStrictLoaderLoadsByUpstreamNameAndFinishes() throws {
        let path = try checkpoint([("block.proj.weight", Tensor.normal([3, 4], seed: 1)), ("block.proj.bias", Tensor(zeros: [3]))])
        let w = try WeightLoader(path: path)
        let layer = try Linear(WeightScope(w)["block"]["proj"], inFeatures: 4, outFeatures: 3)
        XCTAssertNoThrow(try w.finish())
        XCTAssertEqual(layer.weight.toArray(), Tensor.normal([3, 4], seed: 1).toArray())
        XCTAssertTrue(layer.weight.requiresGrad)
        XCTAssertEqual(layer.namedParameters.map(\.0), ["block.proj.weight", "block.proj.bias"])
    }

    func testStrictLoaderErrorsNameTheKey() throws {
        let path = try checkpoint([("proj.weight", Tensor(zeros: [3, 4])), ("proj.bias", Tensor(zeros: [3])), ("extra", Tensor(zeros: [1]))])
        let wrongShape = try WeightLoader(path: path)
        XCTAssertThrowsError(try Linear(WeightScope(wrongShape)["proj"], inFeatures: 5, outFeatures: 3)) {
            XCTAssertTrue("\($0)".contains("proj.weight") && "\($0)".contains("[3, 4]"), "\($0)")
        }
        let missing = try WeightLoader(path: path)
        XCTAssertThrowsError(try Linear(WeightScope(missing)["other"], inFeatures: 4, outFeatures: 3)) {
            XCTAssertTrue("\($0)".contains("missing key 'other.weight'"), "\($0)")
        }
        let unused = try WeightLoader(path: path)
        _ = try Linear(WeightScope(unused)["proj"], inFeatures: 4, outFeatures: 3)
        XCTAssertThrowsError(try unused.finish()) { XCTAssertTrue("\($0)".contains("extra"), "\($0)") }
    }

    /// An overlay's keys replace the base's (a fine-tuned head over a pretrained model); the rest come
    /// from the base; a key of either file that no layer asked for is an error naming it.
    func testOverlaidLoaderTakesOverlayKeysAndStaysStrict() throws {
        let base = try checkpoint([("a.weight", Tensor.normal([3, 4], seed: 1)), ("a.bias", Tensor(zeros: [3])),
                                   ("b.weight", Tensor.normal([2, 3], seed: 2)), ("b.bias", Tensor(zeros: [2]))])
        let overlayDirectory = Fixtures.temporaryDirectory()
        let overlay = overlayDirectory + "/head.safetensors"
        try SafeTensors.write([("b.weight", Tensor.normal([2, 3], seed: 3)), ("b.bias", Tensor([1, 2], shape: [2]))], dtype: .f16, to: overlay)
        let (a, b) = try OverlaidWeightLoader.load(base: base, overlay: overlay) { w in
            (try Linear(w["a"], inFeatures: 4, outFeatures: 3), try Linear(w["b"], inFeatures: 3, outFeatures: 2))
        }
        XCTAssertEqual(a.weight.toArray(), Tensor.normal([3, 4], seed: 1).toArray())
        XCTAssertEqual(b.bias?.toArray(), [1, 2])
        XCTAssertLessThan(maxAbsDiff(b.weight, Tensor.normal([2, 3], seed: 3)), 2e-3)  // F16
        let stray = overlayDirectory + "/stray.safetensors"
        try SafeTensors.write([("b.bias", Tensor([1, 2], shape: [2])), ("c.weight", Tensor(zeros: [1]))], to: stray)
        XCTAssertThrowsError(try OverlaidWeightLoader.load(base: base, overlay: stray) { w in
            (try Linear(w["a"], inFeatures: 4, outFeatures: 3), try Linear(w["b"], inFeatures: 3, outFeatures: 2))
        }) { XCTAssertTrue("\($0)".contains("c.weight") && "\($0)".contains("stray.safetensors"), "\($0)") }
    }

    func testStrictLoaderAcceptsHalfPrecisionAndRejectsIntegers() throws {
        let half = try WeightLoader(path: try checkpoint([("weight", Tensor([0.5, -2], shape: [2]))], dtype: .bf16))
        XCTAssertEqual(try half.parameter("weight", shape: [2], initializer: .zeros).toArray(), [0.5, -2])
        let ints = try WeightLoader(file: Fixtures.file("core/dtypes.safetensors"))
        XCTAssertThrowsError(try ints.parameter("i32", shape: [3], initializer: .zeros)) {
            XCTAssertTrue("\($0)".contains("'i32'") && "\($0)".contains("I32"), "\($0)")
        }
    }

    func testRandomInitializerIsSeededPerKeyAndUsesTorchBounds() throws {
        let a = try Linear(WeightScope(RandomInitializer(seed: 5))["l"], inFeatures: 100, outFeatures: 50)
        let b = try Linear(WeightScope(RandomInitializer(seed: 5))["l"], inFeatures: 100, outFeatures: 50)
        let c = try Linear(WeightScope(RandomInitializer(seed: 6))["l"], inFeatures: 100, outFeatures: 50)
        XCTAssertEqual(a.weight.toArray(), b.weight.toArray())
        XCTAssertNotEqual(a.weight.toArray(), c.weight.toArray())
        let values = a.weight.toArray()
        XCTAssertLessThanOrEqual(values.map { abs($0) }.max()!, 0.1)  // 1/sqrt(100)
        XCTAssertGreaterThan(values.map { abs($0) }.max()!, 0.09)
    }

    func testModuleSaveLoadRoundTrip() throws {
        let conv = try Conv2d(WeightScope(RandomInitializer(seed: 1))["conv_in"], inChannels: 3, outChannels: 4, kernel: 3, padding: 1)
        let path = Fixtures.temporaryDirectory() + "/m.safetensors"
        try conv.save(to: path)
        let w = try WeightLoader(path: path)
        let again = try Conv2d(WeightScope(w)["conv_in"], inChannels: 3, outChannels: 4, kernel: 3, padding: 1)
        try w.finish()
        let x = Tensor.normal([1, 3, 5, 5], seed: 2)
        XCTAssertEqual(conv(x).toArray(), again(x).toArray())
    }
}

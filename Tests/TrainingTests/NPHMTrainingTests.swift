import Foundation
import Geometry
import Models
import NN
import Pipeline
import Tensor
import TestSupport
import Training
import XCTest

/// The head model's training on made-up samples: spheres of two radii (two subjects) whose
/// "expressions" shift them, with skin points that move along.
final class NPHMTrainingTests: XCTestCase {
    static func tinyConfig() -> NPHMTrainingConfig {
        var c = NPHMTrainingConfig()
        var m = NPHMConfiguration()
        (m.symmetricPairs, m.midlineAnchors, m.neighbours, m.sigmaRank) = (3, 2, 4, 4)
        (m.globalCode, m.localCode, m.expressionCode) = (8, 4, 4)
        (m.hidden, m.hiddenLayers, m.colourHidden, m.communication) = (32, 3, 16, 4)
        (m.anchorHidden, m.compressedIdentity, m.deformationHidden, m.deformationLayers, m.deformationSkip) = (16, 4, 32, 4, 2)
        m.globalDistance = 1
        c.model = m
        (c.samplesPerStep, c.nearPoints, c.volumePoints, c.correspondences, c.warmup) = (2, 256, 64, 32, 5)
        c.learningRate = 2e-3
        return c
    }

    /// Spheres of radius 0.35 and 0.5; appearance a moves the sphere up by 0.05 a. Skin: points of
    /// the sphere (x mirrored in pairs), moved with it.
    static func samples() -> [NPHMSample] {
        var out: [NPHMSample] = []
        for subject in 0..<2 {
            let radius: Float = subject == 0 ? 0.35 : 0.5
            for appearance in 0..<2 {
                let shift = SIMD3<Float>(0, 0.05 * Float(appearance), 0)
                func sdf(_ p: SIMD3<Float>) -> Float { (p - shift).length - radius }
                let directions = [SIMD3<Float>](flat: Tensor.normal([2048, 3], seed: UInt64(subject * 10 + appearance)).toArray()).map { $0.normalised() }
                let near = directions.enumerated().map { i, d in shift + d * (radius + 0.02 * Float(i % 5 - 2) / 2) }
                let volume = [SIMD3<Float>](flat: Tensor.uniform([512, 3], low: -0.7, high: 0.7, seed: UInt64(100 + subject)).toArray())
                let skinDirections = [SIMD3<Float>](flat: Tensor.normal([NPHMData.skinVertices, 3], seed: 7).toArray()).map { $0.normalised() }
                let skin = skinDirections.map { shift + $0 * radius }
                out.append(NPHMSample(subject: subject, appearance: appearance, near: near.flat, nearDistance: near.map(sdf),
                                      nearColour: near.flatMap { [$0.x, $0.y, 0.5] }, colourMask: [Float](repeating: 1, count: near.count),
                                      volume: volume.flat, volumeDistance: volume.map(sdf), skin: skin.flat))
            }
        }
        return out
    }

    /// Training fits the samples: the near-surface SDF error falls to a fraction of the first steps',
    /// and the two subjects' meshes differ in size as their spheres do.
    func testTrainingFitsTheSamples() throws {
        let trainer = try NPHMTrainer(config: Self.tinyConfig(), samples: Self.samples())
        var first: Float = 0, last: Float = 0
        for step in 0..<150 {
            let terms = try trainer.trainStep(step)
            XCTAssertFalse(terms["loss"]!.isNaN, "step \(step)")
            if step < 5 { first += terms["surface"]! / 5 }
            if step >= 145 { last += terms["surface"]! / 5 }
        }
        XCTAssertLessThan(last, 0.3 * first, "surface L1 \(first) -> \(last)")
        let small = trainer.meshOfTrainingSample(0, resolution: 32), large = trainer.meshOfTrainingSample(2, resolution: 32)
        XCTAssertTrue(Mesh.isWatertight(triangles: small.triangles))
        func extent(_ m: HeadMesher.Result) -> Float {
            let ys = stride(from: 1, to: m.positions.count, by: 3).map { m.positions[$0] }
            return ys.max()! - ys.min()!
        }
        XCTAssertEqual(extent(small), 0.7, accuracy: 0.15)
        XCTAssertEqual(extent(large), 1.0, accuracy: 0.15)
    }

    /// Pairs are mirror images across x = 0 and midline anchors lie on it.
    func testAnchorsArePlacedSymmetrically() {
        var points: [SIMD3<Float>] = []
        for p in [SIMD3<Float>](flat: Tensor.uniform([300, 3], low: -1, high: 1, seed: 3).toArray()) {
            points.append(SIMD3(abs(p.x) + 0.05, p.y, p.z))
            points.append(SIMD3(-abs(p.x) - 0.05, p.y, p.z))
            points.append(SIMD3(0, p.y, p.z))
        }
        let chosen = NPHMAnchors.choose(meanSkin: points.flat, pairs: 10, midline: 4)
        XCTAssertEqual(chosen.count, 24)
        XCTAssertEqual(Set(chosen).count, 24, "distinct vertices")
        for k in 0..<10 {
            let (l, r) = (points[chosen[2 * k]], points[chosen[2 * k + 1]])
            XCTAssertGreaterThan(l.x, 0)
            XCTAssertEqual((l * SIMD3(-1, 1, 1) - r).length, 0, accuracy: 1e-6)
        }
        for k in 20..<24 { XCTAssertEqual(points[chosen[k]].x, 0) }
    }
}

import Foundation
import Geometry
import Tensor
import TestSupport
import XCTest

/// Rigid alignment and surface distances on shapes with known answers.
final class SurfaceComparisonTests: XCTestCase {
    func sphere(radius: Float, centre: SIMD3<Float> = .zero) -> (positions: [Float], triangles: [Int32]) {
        let grid = ScalarGrid(lower: centre - 1, upper: centre + 1, spacing: 0.04) { (($0 - centre) * ($0 - centre)).sum().squareRoot() - radius }
        let s = MarchingCubes.surface(of: grid)
        return (s.positions, s.triangles)
    }

    func rotation(_ angle: Float, about axis: SIMD3<Float>) -> SurfaceComparison.RigidMotion {
        let k = axis.normalised(), (c, s) = (Foundation.cos(angle), Foundation.sin(angle))
        var m = SurfaceComparison.RigidMotion()
        m.rotation = (0..<3).map { i in
            SIMD3<Float>((0..<3).map { j -> Float in
                let eye: Float = i == j ? 1 : 0
                let cross: [[Float]] = [[0, -k.z, k.y], [k.z, 0, -k.x], [-k.y, k.x, 0]]
                return c * eye + s * cross[i][j] + (1 - c) * k[i] * k[j]
            })
        }
        return m
    }

    func testBestRigidMotionRecoversAKnownMotion() {
        var rng = SeededGenerator(seed: 4)
        let points = (0..<50).map { _ in SIMD3<Float>(Float.random(in: -1...1, using: &rng), Float.random(in: -1...1, using: &rng), Float.random(in: -1...1, using: &rng)) }
        var motion = rotation(0.7, about: SIMD3(1, 2, -0.5))
        motion.translation = SIMD3(0.3, -0.2, 0.5)
        let found = SurfaceComparison.bestRigidMotion(from: points, to: points.map(motion.apply))
        for p in points { XCTAssertLessThan((found.apply(p) - motion.apply(p)).length, 1e-4) }
    }

    func testComparisonUndoesARigidMotionAndMeasuresAnOffsetSurface() {
        // A bumpy closed surface (a sphere with a nose), moved slightly: ICP brings it back.
        let truthGrid = ScalarGrid(lower: SIMD3(repeating: -1), upper: SIMD3(repeating: 1), spacing: 0.04) { p in
            (p * p).sum().squareRoot() - 0.6 - 0.25 * Foundation.exp(-((p - SIMD3(0, 0, 0.6)) * (p - SIMD3(0, 0, 0.6))).sum() / 0.02)
        }
        let t = MarchingCubes.surface(of: truthGrid)
        var motion = rotation(0.06, about: SIMD3(0, 1, 0.3))
        motion.translation = SIMD3(0.02, -0.01, 0.015)
        let moved = [SIMD3<Float>](flat: t.positions).map(motion.apply).flat
        let aligned = SurfaceComparison.compare(prediction: (moved, t.triangles), truth: (t.positions, t.triangles), samples: 4000,
                                                rejection: 0.2, reach: 0.2, thresholds: [0.005, 0.02])
        XCTAssertLessThan(aligned.truthToPrediction, 0.002, "ICP undoes the motion")
        XCTAssertGreaterThan(aligned.normalConsistency, 0.99)
        XCTAssertGreaterThan(aligned.fScores[1], 0.99)
        // Concentric spheres 0.02 apart: the distances are the gap (ICP cannot remove it).
        let inner = sphere(radius: 0.6), outer = sphere(radius: 0.62)
        let gap = SurfaceComparison.compare(prediction: inner, truth: outer, samples: 4000, rejection: 0.1, reach: 0.1, thresholds: [0.01, 0.03])
        XCTAssertEqual(gap.truthToPrediction, 0.02, accuracy: 0.002)
        XCTAssertEqual(gap.predictionToTruth, 0.02, accuracy: 0.002)
        XCTAssertGreaterThan(gap.truthToPredictionL1, gap.truthToPrediction, "Manhattan exceeds Euclidean off the axes")
        XCTAssertEqual(gap.fScores[0], 0, accuracy: 0.01)
        XCTAssertEqual(gap.fScores[1], 1, accuracy: 0.01)
    }
}

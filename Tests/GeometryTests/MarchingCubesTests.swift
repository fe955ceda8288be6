import Foundation
import Geometry
import Tensor
import TestSupport
import XCTest

/// Marching cubes and coarse-to-fine sampling on fields whose surfaces are known: every one of the
/// 256 cases alone, a sphere and a torus (area, volume, Euler characteristic, orientation) and a
/// random field full of ambiguous faces.
final class MarchingCubesTests: XCTestCase {
    typealias Surface = (positions: [Float], normals: [Float], triangles: [Int32])

    func point(_ a: [Float], _ i: Int32) -> SIMD3<Float> { SIMD3(a[3 * Int(i)], a[3 * Int(i) + 1], a[3 * Int(i) + 2]) }

    /// Total area and enclosed volume (divergence theorem: positive only for outward winding).
    func measure(_ s: Surface) -> (area: Float, volume: Float) {
        var area: Float = 0, volume: Float = 0
        for t in stride(from: 0, to: s.triangles.count, by: 3) {
            let (a, b, c) = (point(s.positions, s.triangles[t]), point(s.positions, s.triangles[t + 1]), point(s.positions, s.triangles[t + 2]))
            area += (b - a).cross(c - a).length / 2
            volume += (a * b.cross(c)).sum() / 6
        }
        return (area, volume)
    }

    /// V - E + F of a closed triangle mesh (E = 3F/2): 2 for a sphere, 0 for a torus.
    func eulerCharacteristic(_ s: Surface) -> Int {
        let used = Set(s.triangles).count, faces = s.triangles.count / 3
        return used - faces * 3 / 2 + faces
    }

    func testEveryCaseAloneIsClosedAndFacesOutwards() {
        // One cube of corners +-1 in the middle of a 4^3 grid of outside values.
        for cube in 1..<255 {
            var values = [Float](repeating: 1, count: 64)
            for c in 0..<8 where cube >> c & 1 == 1 {
                let (x, y, z) = ([0, 1, 1, 0, 0, 1, 1, 0][c], [0, 0, 1, 1, 0, 0, 1, 1][c], c / 4)
                values[((z + 1) * 4 + y + 1) * 4 + x + 1] = -1
            }
            let grid = ScalarGrid(origin: .zero, spacing: 1, nx: 4, ny: 4, nz: 4, values: values)
            let s = MarchingCubes.surface(of: grid)
            XCTAssertTrue(Mesh.isWatertight(triangles: s.triangles), "case \(cube) closed")
            XCTAssertGreaterThan(measure(s).volume, 0, "case \(cube) winds outwards")
            XCTAssertEqual(s.positions.count, 3 * Set(s.triangles).count, "case \(cube): no unused vertices")
        }
        XCTAssertEqual(MarchingCubes.triangleTable[1].count, 3, "one corner: one triangle")
        XCTAssertEqual(MarchingCubes.triangleTable[0b0000_1111].count, 6, "a face: a quad")
    }

    func testSphereAreaVolumeAndNormals() {
        let r: Float = 0.8
        let grid = ScalarGrid(lower: SIMD3(repeating: -1), upper: SIMD3(repeating: 1), spacing: 0.04) { ($0 * $0).sum().squareRoot() - r }
        let s = MarchingCubes.surface(of: grid)
        XCTAssertTrue(Mesh.isWatertight(triangles: s.triangles))
        XCTAssertEqual(eulerCharacteristic(s), 2)
        let (area, volume) = measure(s)
        XCTAssertEqual(area, 4 * .pi * r * r, accuracy: 0.01 * 4 * .pi * r * r)
        XCTAssertEqual(volume, 4 / 3 * .pi * r * r * r, accuracy: 0.01 * 4 / 3 * .pi * r * r * r)
        for i in 0..<Int32(s.positions.count / 3) {
            let p = point(s.positions, i)
            XCTAssertEqual(p.length, r, accuracy: 0.003)
            XCTAssertGreaterThan((point(s.normals, i) * p).sum() / p.length, 0.99)
        }
    }

    func torus(_ p: SIMD3<Float>) -> Float {
        let q = SIMD2((p.x * p.x + p.z * p.z).squareRoot() - 0.6, p.y)
        return (q * q).sum().squareRoot() - 0.25
    }

    func testTorusAreaVolumeAndGenus() {
        let grid = ScalarGrid(lower: SIMD3(-1, -0.5, -1), upper: SIMD3(1, 0.5, 1), spacing: 0.025, field: torus)
        let s = MarchingCubes.surface(of: grid)
        XCTAssertTrue(Mesh.isWatertight(triangles: s.triangles))
        XCTAssertEqual(eulerCharacteristic(s), 0, "a torus has genus one")
        let (area, volume) = measure(s)
        let (big, small): (Float, Float) = (0.6, 0.25)
        XCTAssertEqual(area, 4 * .pi * .pi * big * small, accuracy: 0.01 * 4 * .pi * .pi * big * small)
        XCTAssertEqual(volume, 2 * .pi * .pi * big * small * small, accuracy: 0.01 * 2 * .pi * .pi * big * small * small)
    }

    /// Random values at every grid point (outside on the border) put ambiguous faces everywhere; the
    /// shared face rule keeps the mesh closed and consistently wound.
    func testRandomFieldWithAmbiguousFacesStaysClosed() {
        var rng = SeededGenerator(seed: 11)
        let n = 24
        var values = (0..<(n * n * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        for k in 0..<n { for j in 0..<n { for i in 0..<n where [i, j, k].contains(0) || [i, j, k].contains(n - 1) {
            values[(k * n + j) * n + i] = 1
        } } }
        let grid = ScalarGrid(origin: .zero, spacing: 1, nx: n, ny: n, nz: n, values: values)
        var ambiguousFaces = 0
        for k in 0..<n { for j in 0..<(n - 1) { for i in 0..<(n - 1) {
            let (a, b): (Bool, Bool) = (values[grid.index(i, j, k)] < 0, values[grid.index(i + 1, j, k)] < 0)
            let (c, d): (Bool, Bool) = (values[grid.index(i + 1, j + 1, k)] < 0, values[grid.index(i, j + 1, k)] < 0)
            if a == c && b == d && a != b { ambiguousFaces += 1 }
        } } }
        XCTAssertGreaterThan(ambiguousFaces, 500, "the field exercises ambiguous faces")
        let s = MarchingCubes.surface(of: grid)
        XCTAssertTrue(Mesh.isWatertight(triangles: s.triangles))
        XCTAssertEqual(eulerCharacteristic(s) % 2, 0, "closed orientable surfaces have an even Euler characteristic")
        XCTAssertGreaterThan(measure(s).volume, 0)
    }

    /// Coarse-to-fine sampling gives the dense grid's values wherever the surface can be, so the same
    /// mesh, for far fewer field evaluations.
    func testCoarseToFineMatchesDenseSampling() {
        var sampler = CoarseToFineGrid(lower: SIMD3(-1, -0.5, -1), upper: SIMD3(1, 0.5, 1), resolution: 97)
        sampler.batch = 5000
        var calls = 0, lastProgress = (0, 0)
        let (grid, evaluated) = sampler.sample({ points in
            calls += 1
            return points.map(torus)
        }, progress: { lastProgress = ($0, $1) })
        let n = sampler.counts
        XCTAssertEqual(n, SIMD3(97, 49, 97))
        XCTAssertEqual([grid.nx, grid.ny, grid.nz], [99, 51, 99], "one padding layer each side")
        XCTAssertLessThan(evaluated, n.x * n.y * n.z * 9 / 10, "cells far from the torus are skipped")
        XCTAssertGreaterThan(calls, 2)
        XCTAssertEqual(lastProgress.0, lastProgress.1)
        var dense = grid
        let outside = grid.values.max()!
        for k in 0..<grid.nz { for j in 0..<grid.ny { for i in 0..<grid.nx {
            let p = grid.point(i, j, k)
            let inBox = all(p .>= sampler.lower - 1e-4) && all(p .<= sampler.upper + 1e-4)
            dense.values[grid.index(i, j, k)] = inBox ? torus(p) : outside
        } } }
        let a = MarchingCubes.surface(of: grid), b = MarchingCubes.surface(of: dense)
        XCTAssertEqual(a.triangles, b.triangles)
        XCTAssertEqual(a.positions.count, b.positions.count)
        for (x, y) in zip(a.positions, b.positions) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    func testABoxThatCutsTheSurfaceStillGivesAClosedMesh() {
        // A sphere larger than the box: the padding closes the cut.
        let sampler = CoarseToFineGrid(lower: SIMD3(repeating: -0.5), upper: SIMD3(repeating: 0.5), resolution: 33)
        let (grid, _) = sampler.sample { $0.map { ($0 * $0).sum().squareRoot() - 0.6 } }
        let s = MarchingCubes.surface(of: grid)
        XCTAssertTrue(Mesh.isWatertight(triangles: s.triangles))
        XCTAssertEqual(eulerCharacteristic(s), 2)
    }
}

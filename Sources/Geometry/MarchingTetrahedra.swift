import Foundation
import Tensor

/// Samples of a scalar field on a regular grid: value(i, j, k) at origin + spacing * (i, j, k),
/// stored x fastest.
public struct ScalarGrid: Sendable {
    public let origin: SIMD3<Float>
    public let spacing: Float
    public let nx: Int, ny: Int, nz: Int
    /// [nz, ny, nx]
    public var values: [Float]

    public init(origin: SIMD3<Float>, spacing: Float, nx: Int, ny: Int, nz: Int, values: [Float]) {
        precondition(nx >= 2 && ny >= 2 && nz >= 2 && values.count == nx * ny * nz, "a grid needs [nz, ny, nx] values, 2 or more per axis")
        (self.origin, self.spacing, self.nx, self.ny, self.nz, self.values) = (origin, spacing, nx, ny, nz, values)
    }

    /// Samples `field` over the box [lower, upper] every `spacing`, rows split over the cores.
    public init(lower: SIMD3<Float>, upper: SIMD3<Float>, spacing: Float, field: (SIMD3<Float>) -> Float) {
        let counts = ((upper - lower) / spacing).rounded(.up)
        let (nx, ny, nz) = (max(2, Int(counts.x) + 1), max(2, Int(counts.y) + 1), max(2, Int(counts.z) + 1))
        var values = [Float](repeating: 0, count: nx * ny * nz)
        values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            parallelFor(ny * nz, chunk: 4) { begin, end in
                for row in begin..<end {
                    let (j, k) = (row % ny, row / ny)
                    for i in 0..<nx { base[row * nx + i] = field(lower + spacing * SIMD3(Float(i), Float(j), Float(k))) }
                }
            }
        }
        self.init(origin: lower, spacing: spacing, nx: nx, ny: ny, nz: nz, values: values)
    }

    public func index(_ i: Int, _ j: Int, _ k: Int) -> Int { (k * ny + j) * nx + i }
    public func point(_ i: Int, _ j: Int, _ k: Int) -> SIMD3<Float> { origin + spacing * SIMD3(Float(i), Float(j), Float(k)) }

    /// Trilinear interpolation at `p` (clamped to the grid).
    public func interpolate(_ p: SIMD3<Float>) -> Float {
        let q = (p - origin) / spacing
        let x = Swift.max(0, Swift.min(Float(nx - 1) - 1e-3, q.x)), y = Swift.max(0, Swift.min(Float(ny - 1) - 1e-3, q.y))
        let z = Swift.max(0, Swift.min(Float(nz - 1) - 1e-3, q.z))
        let (i, j, k) = (Int(x), Int(y), Int(z))
        let (fx, fy, fz) = (x - Float(i), y - Float(j), z - Float(k))
        let base = index(i, j, k), sy = nx, sz = nx * ny
        func lerp(_ a: Float, _ b: Float, _ t: Float) -> Float { a + (b - a) * t }
        let c00 = lerp(values[base], values[base + 1], fx), c10 = lerp(values[base + sy], values[base + sy + 1], fx)
        let c01 = lerp(values[base + sz], values[base + sz + 1], fx), c11 = lerp(values[base + sz + sy], values[base + sz + sy + 1], fx)
        return lerp(lerp(c00, c10, fy), lerp(c01, c11, fy), fz)
    }

    /// Central-difference gradient at a grid point (one-sided at the border).
    public func gradient(_ i: Int, _ j: Int, _ k: Int) -> SIMD3<Float> {
        func d(_ a: Int, _ b: Int, _ steps: Int) -> Float { (values[a] - values[b]) / (Float(steps) * spacing) }
        let (i0, i1, j0, j1, k0, k1) = (max(0, i - 1), min(nx - 1, i + 1), max(0, j - 1), min(ny - 1, j + 1), max(0, k - 1), min(nz - 1, k + 1))
        return SIMD3(d(index(i1, j, k), index(i0, j, k), i1 - i0), d(index(i, j1, k), index(i, j0, k), j1 - j0),
                     d(index(i, j, k1), index(i, j, k0), k1 - k0))
    }
}

/// The level set of a sampled field as a triangle mesh: each grid cube is cut into six tetrahedra
/// around its main diagonal (the Kuhn split, which neighbouring cubes share face by face), and each
/// tetrahedron the level crosses contributes one triangle or a quad. No case table and no ambiguous
/// cases: the surface is closed and manifold wherever the field is above the level on the grid's border.
/// Field values below the level are inside; triangles wind counter-clockwise seen from outside.
public enum MarchingTetrahedra {
    /// The six tetrahedra of a cube as corner numbers (bit 0 x, bit 1 y, bit 2 z): paths 0 -> 7 along
    /// the axes in each order.
    static let tetrahedra: [[Int]] = [[0, 1, 3, 7], [0, 1, 5, 7], [0, 2, 3, 7], [0, 2, 6, 7], [0, 4, 5, 7], [0, 4, 6, 7]]

    /// Positions [N, 3], outward unit normals [N, 3] (the field's gradient, interpolated) and triangles [M, 3].
    public static func surface(of grid: ScalarGrid, level: Float = 0) -> (positions: [Float], normals: [Float], triangles: [Int32]) {
        var vertices = LevelSetVertices(grid: grid, level: level)
        var triangles: [Int32] = []
        let v = grid.values
        for k in 0..<(grid.nz - 1) {
            for j in 0..<(grid.ny - 1) {
                for i in 0..<(grid.nx - 1) {
                    let corners = (0..<8).map { c in (i + (c & 1), j + (c >> 1 & 1), k + (c >> 2 & 1)) }
                    let ids = corners.map { grid.index($0.0, $0.1, $0.2) }
                    let inside = ids.map { v[$0] < level }
                    if inside.allSatisfy({ $0 }) || !inside.contains(true) { continue }
                    for tet in tetrahedra {
                        let ins = tet.filter { inside[$0] }, outs = tet.filter { !inside[$0] }
                        guard !ins.isEmpty && !outs.isEmpty else { continue }
                        // The cut edges (inside corner, outside corner) in polygon order.
                        let cuts: [(Int, Int)]
                        if ins.count == 1 {
                            cuts = outs.map { (ins[0], $0) }
                        } else if outs.count == 1 {
                            cuts = ins.map { ($0, outs[0]) }
                        } else {  // two and two: a quad around the tetrahedron
                            cuts = [(ins[0], outs[0]), (ins[0], outs[1]), (ins[1], outs[1]), (ins[1], outs[0])]
                        }
                        let polygon = cuts.map { a, b in vertices.vertex(ids[a], ids[b], corners[a], corners[b]) }
                        // Orient outwards (from the inside corners towards the outside ones), judged on the
                        // cut edges' midpoints: interpolated vertices can coincide at a corner on the level.
                        var outward = SIMD3<Float>(repeating: 0)
                        for c in outs { outward += grid.point(corners[c].0, corners[c].1, corners[c].2) }
                        for c in ins { outward -= grid.point(corners[c].0, corners[c].1, corners[c].2) * Float(outs.count) / Float(ins.count) }
                        let midpoints: [SIMD3<Float>] = cuts.map { a, b in
                            (grid.point(corners[a].0, corners[a].1, corners[a].2) + grid.point(corners[b].0, corners[b].1, corners[b].2)) / 2
                        }
                        for f in 1..<(polygon.count - 1) {
                            var tri = [polygon[0], polygon[f], polygon[f + 1]]
                            let n = (midpoints[f] - midpoints[0]).cross(midpoints[f + 1] - midpoints[0])
                            if (n * outward).sum() < 0 { tri.swapAt(1, 2) }
                            triangles += tri
                        }
                    }
                }
            }
        }
        return (vertices.positions, vertices.normals, triangles)
    }
}

import Foundation

/// Marching cubes (Lorensen & Cline 1987) with the 256-case table. The table is derived when first
/// used rather than typed in: for each case the level set's boundary on each of the cube's six faces
/// is a set of segments between cut edges, decided by that face's four corner signs alone (an
/// ambiguous face, two diagonal corners inside, always separates its inside corners). Neighbouring
/// cubes see the same signs on their shared face and so cut it the same way, which makes the surface
/// crack-free; the segments chain into closed loops that are fanned into triangles.
///
/// Corners are numbered as in the classic table: 0 (0,0,0), 1 (1,0,0), 2 (1,1,0), 3 (0,1,0), 4 (0,0,1),
/// 5 (1,0,1), 6 (1,1,1), 7 (0,1,1); edges 0-3 run round the bottom face, 4-7 round the top, 8-11 are
/// the vertical ones. Values below the level are inside; triangles wind counter-clockwise seen from
/// outside.
public enum MarchingCubes {
    static let cornerOffsets: [SIMD3<Int>] = [
        SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(1, 1, 0), SIMD3(0, 1, 0),
        SIMD3(0, 0, 1), SIMD3(1, 0, 1), SIMD3(1, 1, 1), SIMD3(0, 1, 1),
    ]
    /// The two corners of each edge.
    static let edgeCorners: [(Int, Int)] = [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4), (0, 4), (1, 5), (2, 6), (3, 7)]
    /// Each face's corners in cyclic order, and its outward normal.
    static let faces: [(corners: [Int], normal: SIMD3<Float>)] = [
        ([0, 1, 2, 3], SIMD3(0, 0, -1)), ([4, 5, 6, 7], SIMD3(0, 0, 1)),
        ([0, 1, 5, 4], SIMD3(0, -1, 0)), ([3, 2, 6, 7], SIMD3(0, 1, 0)),
        ([0, 3, 7, 4], SIMD3(-1, 0, 0)), ([1, 2, 6, 5], SIMD3(1, 0, 0)),
    ]

    /// For each of the 256 cases (bit c set when corner c is inside), triangles as triples of edge numbers.
    public static let triangleTable: [[Int]] = (0..<256).map(triangles(forCase:))

    static func corner(_ c: Int) -> SIMD3<Float> { SIMD3<Float>(cornerOffsets[c]) }

    static func edge(between a: Int, _ b: Int) -> Int {
        edgeCorners.firstIndex { ($0.0 == a && $0.1 == b) || ($0.0 == b && $0.1 == a) }!
    }

    static func triangles(forCase cube: Int) -> [Int] {
        let inside = (0..<8).map { cube >> $0 & 1 == 1 }
        // Directed segments on the faces: from edge a to edge b with the inside on the left, seen from
        // outside the cube.
        var next = [Int: Int]()
        for face in faces {
            let c = face.corners
            let cut = (0..<4).filter { inside[c[$0]] != inside[c[($0 + 1) % 4]] }.map { edge(between: c[$0], c[($0 + 1) % 4]) }
            // Each segment with the corners that tell its sides apart.
            let segments: [(a: Int, b: Int, corners: [Int])]
            if cut.count == 2 {
                segments = [(cut[0], cut[1], c)]
            } else if cut.count == 4 {
                // Ambiguous face: cut off each inside corner on its own (its two edges pair up).
                segments = c.filter { inside[$0] }.map { corner in
                    let touching = cut.filter { edgeCorners[$0].0 == corner || edgeCorners[$0].1 == corner }
                    return (touching[0], touching[1], [corner])
                }
            } else {
                segments = []
            }
            for (a, b, corners) in segments {
                let (pa, pb) = (midpoint(a), midpoint(b)), middle = (pa + pb) / 2
                // Which side the inside corners lie on, weighed against the outside ones.
                var side: Float = 0
                for corner in corners {
                    let s = ((pb - pa).cross(self.corner(corner) - middle) * face.normal).sum()
                    side += inside[corner] ? s : -s
                }
                if side > 0 { next[a] = b } else { next[b] = a }
            }
        }
        // Chain the segments into loops and triangulate each; the loop runs with the inside on its left,
        // so its triangles are reversed to face outwards.
        var triangles: [Int] = []
        var remaining = next
        while let start = remaining.keys.min() {
            var loop: [Int] = [], e = start
            while let n = remaining.removeValue(forKey: e) {
                loop.append(e)
                e = n
            }
            precondition(e == start && loop.count >= 3, "marching-cubes case \(cube): face segments must close into loops")
            guard let inner = triangulate(loop) else { preconditionFailure("marching-cubes case \(cube): no crack-free triangulation") }
            for t in stride(from: 0, to: inner.count, by: 3) { triangles += [inner[t], inner[t + 2], inner[t + 1]] }
        }
        return triangles
    }

    /// A triangulation of a closed loop of cut edges whose inner diagonals never join two edges of one
    /// cube face: such a diagonal (possible only across an ambiguous face, which holds two segments)
    /// could be drawn by the neighbouring cube too, and the edge would then have four triangles.
    static func triangulate(_ loop: [Int]) -> [Int]? {
        let n = loop.count
        func sharesFace(_ a: Int, _ b: Int) -> Bool {
            faces.contains { $0.corners.contains(edgeCorners[a].0) && $0.corners.contains(edgeCorners[a].1)
                && $0.corners.contains(edgeCorners[b].0) && $0.corners.contains(edgeCorners[b].1) }
        }
        func allowed(_ i: Int, _ j: Int) -> Bool { j == i + 1 || (i == 0 && j == n - 1) || !sharesFace(loop[i], loop[j]) }
        // Triangulations of the sub-polygon i...j, split at the first apex k that works (memoised).
        var memo = [Int: [Int]?]()
        func polygon(_ i: Int, _ j: Int) -> [Int]? {
            if j == i + 1 { return [] }
            if let known = memo[i * n + j] { return known }
            var found: [Int]?
            for k in (i + 1)..<j where allowed(i, k) && allowed(k, j) {
                if let left = polygon(i, k), let right = polygon(k, j) {
                    found = left + [loop[i], loop[k], loop[j]] + right
                    break
                }
            }
            memo[i * n + j] = .some(found)
            return found
        }
        return polygon(0, n - 1)
    }

    static func midpoint(_ edge: Int) -> SIMD3<Float> { (corner(edgeCorners[edge].0) + corner(edgeCorners[edge].1)) / 2 }

    /// Positions [N, 3], outward unit normals [N, 3] (the field's gradient, interpolated) and triangles
    /// [M, 3]; vertices are shared between cubes, one per cut grid edge.
    public static func surface(of grid: ScalarGrid, level: Float = 0) -> (positions: [Float], normals: [Float], triangles: [Int32]) {
        var vertices = LevelSetVertices(grid: grid, level: level)
        var triangles: [Int32] = []
        let table = triangleTable
        let v = grid.values
        let (sy, sz) = (grid.nx, grid.nx * grid.ny)
        let cornerStrides = cornerOffsets.map { $0.x + $0.y * sy + $0.z * sz }
        for k in 0..<(grid.nz - 1) {
            for j in 0..<(grid.ny - 1) {
                for i in 0..<(grid.nx - 1) {
                    let base = grid.index(i, j, k)
                    var cube = 0
                    for c in 0..<8 where v[base + cornerStrides[c]] < level { cube |= 1 << c }
                    if cube == 0 || cube == 255 { continue }
                    for e in table[cube] {
                        let (a, b) = edgeCorners[e]
                        let (ca, cb) = (cornerOffsets[a], cornerOffsets[b])
                        triangles.append(vertices.vertex(base + cornerStrides[a], base + cornerStrides[b],
                                                         (i + ca.x, j + ca.y, k + ca.z), (i + cb.x, j + cb.y, k + cb.z)))
                    }
                }
            }
        }
        return (vertices.positions, vertices.normals, triangles)
    }
}

/// The vertices of a level set on a grid's edges, one per cut edge: linear interpolation of the
/// position and of the central-difference gradient (as the normal). Shared by marching cubes and
/// marching tetrahedra.
struct LevelSetVertices {
    let grid: ScalarGrid, level: Float
    private(set) var positions: [Float] = [], normals: [Float] = []
    private var vertexOfEdge: [UInt64: Int32] = [:]

    init(grid: ScalarGrid, level: Float) { (self.grid, self.level) = (grid, level) }

    /// The vertex on the edge between grid values `a` and `b` (flat indices) at grid points `ca`, `cb`.
    mutating func vertex(_ a: Int, _ b: Int, _ ca: (Int, Int, Int), _ cb: (Int, Int, Int)) -> Int32 {
        let key = UInt64(min(a, b)) << 32 | UInt64(max(a, b))
        if let known = vertexOfEdge[key] { return known }
        let v = grid.values
        let t = (level - v[a]) / (v[b] - v[a])
        let p = grid.point(ca.0, ca.1, ca.2) * (1 - t) + grid.point(cb.0, cb.1, cb.2) * t
        let n = (grid.gradient(ca.0, ca.1, ca.2) * (1 - t) + grid.gradient(cb.0, cb.1, cb.2) * t).normalised()
        let index = Int32(positions.count / 3)
        positions += [p.x, p.y, p.z]
        normals += [n.x, n.y, n.z]
        vertexOfEdge[key] = index
        return index
    }
}

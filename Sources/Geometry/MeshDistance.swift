import Foundation

/// Distances from points to a triangle mesh through a bounding-volume hierarchy (median splits on
/// the longest axis, four triangles a leaf), and the signed distance to a watertight mesh by the
/// angle-weighted pseudo-normal of the nearest feature (Baerentzen and Aanaes 2005): the sign of
/// (p - nearest) . pseudo-normal, where the pseudo-normal is the face normal inside a face, the sum
/// of the two face normals on an edge and the angle-weighted vertex normal at a vertex. Outside is
/// positive.
public final class MeshDistance: @unchecked Sendable {
    struct Node {
        var lower: SIMD3<Float>, upper: SIMD3<Float>
        /// Leaf: first triangle in `order` and count; inner: children at `first` and `first + 1`.
        var first: Int32, count: Int32
    }

    let positions: [SIMD3<Float>]
    let triangles: [Int32]
    var order: [Int32] = []
    var nodes: [Node] = []
    /// Unit face normals, and the pseudo-normals of edges (keyed by their sorted vertex pair) and vertices.
    let faceNormals: [SIMD3<Float>]
    var edgeNormals: [UInt64: SIMD3<Float>] = [:]
    var vertexNormals: [SIMD3<Float>]

    /// positions [N, 3], triangles [M, 3] (counter-clockwise seen from outside for signed distances).
    public init(positions: [Float], triangles: [Int32]) {
        precondition(!triangles.isEmpty && triangles.count % 3 == 0, "a mesh with triangles")
        let p = [SIMD3<Float>](flat: positions)
        self.positions = p
        self.triangles = triangles
        var faces: [SIMD3<Float>] = [], vertex = [SIMD3<Float>](repeating: .zero, count: p.count)
        for t in stride(from: 0, to: triangles.count, by: 3) {
            let ids = [Int(triangles[t]), Int(triangles[t + 1]), Int(triangles[t + 2])]
            let n = (p[ids[1]] - p[ids[0]]).cross(p[ids[2]] - p[ids[0]]).normalised(floor: 1e-20)
            faces.append(n)
            for c in 0..<3 {
                let (a, b, o) = (ids[c], ids[(c + 1) % 3], ids[(c + 2) % 3])
                edgeNormals[Self.edgeKey(a, b), default: .zero] += n
                // The angle at corner o.
                let (u, v) = ((p[a] - p[o]).normalised(floor: 1e-20), (p[b] - p[o]).normalised(floor: 1e-20))
                vertex[o] += n * acos(max(-1, min(1, (u * v).sum())))
            }
        }
        faceNormals = faces
        vertexNormals = vertex
        order = (0..<Int32(triangles.count / 3)).map { $0 }
        let centroids = order.map { t in (p[Int(triangles[3 * Int(t)])] + p[Int(triangles[3 * Int(t) + 1])] + p[Int(triangles[3 * Int(t) + 2])]) / 3 }
        nodes.reserveCapacity(2 * triangles.count / 3 / 4 + 1)
        nodes.append(Node(lower: .zero, upper: .zero, first: 0, count: 0))
        build(node: 0, begin: 0, end: order.count, centroids: centroids)
    }

    static func edgeKey(_ a: Int, _ b: Int) -> UInt64 { UInt64(min(a, b)) << 32 | UInt64(max(a, b)) }

    func corner(_ t: Int, _ c: Int) -> SIMD3<Float> { positions[Int(triangles[3 * t + c])] }

    private func build(node: Int, begin: Int, end: Int, centroids: [SIMD3<Float>]) {
        var lower = SIMD3<Float>(repeating: .infinity), upper = SIMD3<Float>(repeating: -.infinity)
        var cLower = lower, cUpper = upper
        for i in begin..<end {
            let t = Int(order[i])
            let (a, b, c) = (corner(t, 0), corner(t, 1), corner(t, 2))
            lower = pointwiseMin(lower, pointwiseMin(a, pointwiseMin(b, c)))
            upper = pointwiseMax(upper, pointwiseMax(a, pointwiseMax(b, c)))
            let centroid = centroids[t]
            cLower = pointwiseMin(cLower, centroid)
            cUpper = pointwiseMax(cUpper, centroid)
        }
        nodes[node].lower = lower
        nodes[node].upper = upper
        guard end - begin > 4 else {
            nodes[node].first = Int32(begin)
            nodes[node].count = Int32(end - begin)
            return
        }
        let extent = cUpper - cLower
        let axis = extent.x >= extent.y && extent.x >= extent.z ? 0 : extent.y >= extent.z ? 1 : 2
        let mid = (begin + end) / 2
        // Median split by centroid along the axis (quickselect: the halves need not be sorted).
        Self.select(&order, begin: begin, end: end, nth: mid) { centroids[Int($0)][axis] }
        let children = nodes.count
        nodes.append(Node(lower: .zero, upper: .zero, first: 0, count: 0))
        nodes.append(Node(lower: .zero, upper: .zero, first: 0, count: 0))
        nodes[node].first = Int32(children)
        nodes[node].count = -1
        build(node: children, begin: begin, end: mid, centroids: centroids)
        build(node: children + 1, begin: mid, end: end, centroids: centroids)
    }

    /// Reorders items[begin..<end] so the nth is where sorting by `key` would put it, with no larger
    /// key before it and no smaller after (Hoare partitions around the middle item's key).
    static func select(_ items: inout [Int32], begin: Int, end: Int, nth: Int, key: (Int32) -> Float) {
        var (lo, hi) = (begin, end - 1)
        while lo < hi {
            let pivot = key(items[(lo + hi) / 2])
            var (i, j) = (lo, hi)
            while i <= j {
                while key(items[i]) < pivot { i += 1 }
                while key(items[j]) > pivot { j -= 1 }
                if i <= j { items.swapAt(i, j); i += 1; j -= 1 }
            }
            if nth <= j { hi = j } else if nth >= i { lo = i } else { return }
        }
    }

    /// Squared distance from `p` to a box (0 inside).
    @inline(__always) static func boxDistanceSquared(_ p: SIMD3<Float>, _ lower: SIMD3<Float>, _ upper: SIMD3<Float>) -> Float {
        let dx = Swift.max(lower.x - p.x, p.x - upper.x, 0), dy = Swift.max(lower.y - p.y, p.y - upper.y, 0)
        let dz = Swift.max(lower.z - p.z, p.z - upper.z, 0)
        return dx * dx + dy * dy + dz * dz
    }

    /// The nearest point of triangle (a, b, c) to p and which feature holds it: 0 inside the face,
    /// 1...3 the vertices a, b, c, 4...6 the edges ab, bc, ca (Ericson, Real-Time Collision Detection 5.1.5).
    static func nearestOnTriangle(_ p: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>, _ c: SIMD3<Float>) -> (SIMD3<Float>, Int) {
        let (ab, ac, ap) = (b - a, c - a, p - a)
        let (d1, d2) = ((ab * ap).sum(), (ac * ap).sum())
        if d1 <= 0 && d2 <= 0 { return (a, 1) }
        let bp = p - b
        let (d3, d4) = ((ab * bp).sum(), (ac * bp).sum())
        if d3 >= 0 && d4 <= d3 { return (b, 2) }
        let vc = d1 * d4 - d3 * d2
        if vc <= 0 && d1 >= 0 && d3 <= 0 { return (a + ab * (d1 / (d1 - d3)), 4) }
        let cp = p - c
        let (d5, d6) = ((ab * cp).sum(), (ac * cp).sum())
        if d6 >= 0 && d5 <= d6 { return (c, 3) }
        let vb = d5 * d2 - d1 * d6
        if vb <= 0 && d2 >= 0 && d6 <= 0 { return (a + ac * (d2 / (d2 - d6)), 6) }
        let va = d3 * d6 - d5 * d4
        if va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0 { return (b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6))), 5) }
        let denominator = 1 / (va + vb + vc)
        return (a + ab * (vb * denominator) + ac * (vc * denominator), 0)
    }

    /// The nearest point on the mesh: its triangle, position and feature (see `nearestOnTriangle`).
    public func nearest(to p: SIMD3<Float>) -> (distance: Float, point: SIMD3<Float>, triangle: Int, feature: Int) {
        var best = Float.infinity, bestPoint = SIMD3<Float>.zero, bestTriangle = -1, bestFeature = 0
        var stack = [Int32](repeating: 0, count: 64), top = 1
        stack[0] = 0
        while top > 0 {
            top -= 1
            let node = nodes[Int(stack[top])]
            guard Self.boxDistanceSquared(p, node.lower, node.upper) < best else { continue }
            if node.count >= 0 {
                for i in Int(node.first)..<Int(node.first + node.count) {
                    let t = Int(order[i])
                    let (q, feature) = Self.nearestOnTriangle(p, corner(t, 0), corner(t, 1), corner(t, 2))
                    let d = ((q - p) * (q - p)).sum()
                    if d < best { (best, bestPoint, bestTriangle, bestFeature) = (d, q, t, feature) }
                }
            } else {
                // Visit the nearer child first (pushed last).
                let (l, r) = (Int(node.first), Int(node.first) + 1)
                let dl = Self.boxDistanceSquared(p, nodes[l].lower, nodes[l].upper), dr = Self.boxDistanceSquared(p, nodes[r].lower, nodes[r].upper)
                if top + 2 > stack.count { stack += [Int32](repeating: 0, count: stack.count) }
                if dl < dr {
                    stack[top] = Int32(r); stack[top + 1] = Int32(l)
                } else {
                    stack[top] = Int32(l); stack[top + 1] = Int32(r)
                }
                top += 2
            }
        }
        return (best.squareRoot(), bestPoint, bestTriangle, bestFeature)
    }

    /// Unsigned distance to the mesh.
    public func distance(to p: SIMD3<Float>) -> Float { nearest(to: p).distance }

    /// Signed distance: negative inside a watertight, outward-wound mesh.
    public func signedDistance(to p: SIMD3<Float>) -> Float {
        let hit = nearest(to: p)
        let ids = (0..<3).map { Int(triangles[3 * hit.triangle + $0]) }
        let pseudoNormal: SIMD3<Float>
        switch hit.feature {
        case 0: pseudoNormal = faceNormals[hit.triangle]
        case 1...3: pseudoNormal = vertexNormals[ids[hit.feature - 1]]
        default:
            let e = hit.feature - 4
            pseudoNormal = edgeNormals[Self.edgeKey(ids[e], ids[(e + 1) % 3])] ?? faceNormals[hit.triangle]
        }
        return ((p - hit.point) * pseudoNormal).sum() < 0 ? -hit.distance : hit.distance
    }
}

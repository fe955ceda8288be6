import Foundation

extension Mesh {
    /// The triangles of `triangles` [M, 3] whose three vertices all satisfy `keep`.
    public static func triangles(_ triangles: [Int32], keeping keep: (Int32) -> Bool) -> [Int32] {
        var kept: [Int32] = []
        for t in stride(from: 0, to: triangles.count, by: 3) where keep(triangles[t]) && keep(triangles[t + 1]) && keep(triangles[t + 2]) {
            kept += triangles[t..<(t + 3)]
        }
        return kept
    }

    /// Directed boundary edges of `triangles` (edges no other triangle uses in reverse or at all),
    /// chained into closed loops; each loop lists vertices in the direction its triangles traverse them.
    public static func boundaryLoops(triangles: [Int32]) -> [[Int32]] {
        var count: [UInt64: Int] = [:]
        func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(min(a, b))) << 32 | UInt64(UInt32(max(a, b))) }
        for t in stride(from: 0, to: triangles.count, by: 3) {
            for (a, b) in [(triangles[t], triangles[t + 1]), (triangles[t + 1], triangles[t + 2]), (triangles[t + 2], triangles[t])] {
                count[key(a, b), default: 0] += 1
            }
        }
        var next: [Int32: Int32] = [:]
        for t in stride(from: 0, to: triangles.count, by: 3) {
            for (a, b) in [(triangles[t], triangles[t + 1]), (triangles[t + 1], triangles[t + 2]), (triangles[t + 2], triangles[t])]
            where count[key(a, b)] == 1 {
                next[a] = b
            }
        }
        var loops: [[Int32]] = [], visited = Set<Int32>()
        for start in next.keys.sorted() where !visited.contains(start) {
            var loop: [Int32] = [], v = start
            while !visited.contains(v), let n = next[v] {
                visited.insert(v)
                loop.append(v)
                v = n
            }
            if v == start && loop.count >= 3 { loops.append(loop) }
        }
        return loops
    }

    /// Closes every boundary loop with a fan around a new vertex at the loop's centroid, oriented like
    /// the surrounding triangles. Returns the positions [N', 3] and triangles [M', 3].
    public static func cappingHoles(positions: [Float], triangles: [Int32]) -> (positions: [Float], triangles: [Int32]) {
        var p = positions, t = triangles
        for loop in boundaryLoops(triangles: triangles) {
            var centre = SIMD3<Float>(repeating: 0)
            for v in loop { centre += SIMD3(positions[3 * Int(v)], positions[3 * Int(v) + 1], positions[3 * Int(v) + 2]) }
            centre /= Float(loop.count)
            let c = Int32(p.count / 3)
            p += [centre.x, centre.y, centre.z]
            // The loop runs a -> b inside its triangles, so the cap runs b -> a.
            for i in 0..<loop.count { t += [loop[(i + 1) % loop.count], loop[i], c] }
        }
        return (p, t)
    }

    /// The connected components of `triangles` [M, 3] (triangles sharing a vertex are connected, as
    /// marching cubes' shared vertices connect its surface): each triangle's component, numbered by
    /// decreasing size (0: the largest), and each component's triangle count.
    public static func components(triangles: [Int32], vertexCount: Int) -> (labels: [Int], sizes: [Int]) {
        var parent = Array(0..<vertexCount)
        func root(_ v: Int) -> Int {
            var r = v
            while parent[r] != r { r = parent[r] }
            var x = v
            while parent[x] != r { (parent[x], x) = (r, parent[x]) }
            return r
        }
        for t in stride(from: 0, to: triangles.count, by: 3) {
            let a = root(Int(triangles[t]))
            for k in 1...2 { parent[root(Int(triangles[t + k]))] = a }
        }
        let roots = stride(from: 0, to: triangles.count, by: 3).map { root(Int(triangles[$0])) }
        let counts = roots.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
        let order = counts.keys.sorted { counts[$0]! != counts[$1]! ? counts[$0]! > counts[$1]! : $0 < $1 }
        let label = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return (roots.map { label[$0]! }, order.map { counts[$0]! })
    }

    /// Without the components that have fewer than `share` of the largest one's triangles (floaters):
    /// the kept triangles [M', 3] renumbered, and the old index of each kept vertex (in their order).
    public static func removingFloaters(triangles: [Int32], vertexCount: Int, share: Double) -> (triangles: [Int32], vertices: [Int]) {
        guard !triangles.isEmpty else { return ([], []) }
        let (labels, sizes) = components(triangles: triangles, vertexCount: vertexCount)
        let minimum = share * Double(sizes[0])
        var newIndex = [Int32](repeating: -1, count: vertexCount), vertices: [Int] = [], kept: [Int32] = []
        for (t, label) in labels.enumerated() where Double(sizes[label]) >= minimum {
            for k in 0..<3 {
                let v = Int(triangles[3 * t + k])
                if newIndex[v] < 0 {
                    newIndex[v] = Int32(vertices.count)
                    vertices.append(v)
                }
                kept.append(newIndex[v])
            }
        }
        return (kept, vertices)
    }

    /// Whether every edge is shared by exactly two triangles, traversed once in each direction.
    public static func isWatertight(triangles: [Int32]) -> Bool {
        var directed = Set<UInt64>()
        for t in stride(from: 0, to: triangles.count, by: 3) {
            for (a, b) in [(triangles[t], triangles[t + 1]), (triangles[t + 1], triangles[t + 2]), (triangles[t + 2], triangles[t])] {
                guard directed.insert(UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))).inserted else { return false }
            }
        }
        return directed.allSatisfy { directed.contains(($0 & 0xFFFF_FFFF) << 32 | $0 >> 32) }
    }
}

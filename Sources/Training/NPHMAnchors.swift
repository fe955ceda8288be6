import Foundation

/// Where the head model's anchors sit: FaceKit skin vertices spread over the mean neutral head by
/// farthest-point sampling. Pairs come from the left side (x > `sideMargin`) with their mirror
/// partner on the right (the vertex nearest the mirrored position); midline anchors from the
/// vertices within `midlineBand` of x = 0. Order: left, right, left, right, ..., then the midline,
/// as the model's symmetric pairs expect.
public enum NPHMAnchors {
    public static let sideMargin: Float = 0.03, midlineBand: Float = 0.01

    /// meanSkin [V, 3] -> vertex indices (2 * pairs + midline).
    public static func choose(meanSkin: [Float], pairs: Int, midline: Int) -> [Int] {
        let count = meanSkin.count / 3
        func point(_ i: Int) -> SIMD3<Float> { SIMD3(meanSkin[3 * i], meanSkin[3 * i + 1], meanSkin[3 * i + 2]) }
        let left = (0..<count).filter { point($0).x > sideMargin }, right = (0..<count).filter { point($0).x < -sideMargin }
        let middle = (0..<count).filter { abs(point($0).x) < midlineBand }
        var chosen: [Int] = []
        for l in farthestPoints(among: left, count: pairs, point: point, start: left.max { point($0).x < point($1).x }!) {
            let mirrored = point(l) * SIMD3(-1, 1, 1)
            let r = right.min { ((point($0) - mirrored) * (point($0) - mirrored)).sum() < ((point($1) - mirrored) * (point($1) - mirrored)).sum() }!
            chosen += [l, r]
        }
        chosen += farthestPoints(among: middle, count: midline, point: point, start: middle.max { point($0).z < point($1).z }!)
        return chosen
    }

    /// Greedy farthest-point sampling from `start`.
    static func farthestPoints(among candidates: [Int], count: Int, point: (Int) -> SIMD3<Float>, start: Int) -> [Int] {
        guard count > 0, !candidates.isEmpty else { return [] }
        var chosen = [start]
        var distance = candidates.map { ((point($0) - point(start)) * (point($0) - point(start))).sum() }
        while chosen.count < min(count, candidates.count) {
            let next = distance.indices.max { distance[$0] < distance[$1] }!
            chosen.append(candidates[next])
            let p = point(candidates[next])
            for (k, c) in candidates.enumerated() { distance[k] = min(distance[k], ((point(c) - p) * (point(c) - p)).sum()) }
        }
        return chosen
    }
}

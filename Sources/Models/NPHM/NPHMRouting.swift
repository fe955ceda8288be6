import Foundation
import Tensor

/// Which member networks see which points: each canonical point's K nearest anchors (sorted) and
/// the global member make K + 1 slots; slot rows are grouped by member type so that each type's
/// rows run together, with the permutation back to row order. Index plumbing only, no gradients.
struct NPHMRouting {
    /// Per row (point-major, slot-minor): the point, and the row of that sample's anchor table
    /// [S * (A + 1)] (the last of each sample: the global member).
    var pointOfRow: [Int32], anchorRowOfRow: [Int32]
    /// [R, 3 + hyper]: -1 in x for mirrored members, else 1.
    let mirror: Tensor
    /// [R, 1]: 1 for anchor slots, 0 for the global member; its constant distance for the latter.
    let localMask: Tensor, globalDistance: Tensor
    /// Per member type: its rows, which (sample, anchor) codes it needs (rows of the code table) and
    /// which of those each row uses.
    var rowsOfType: [[Int32]], codesOfType: [[Int32]], codeOfRow: [[Int32]]
    /// rowOrder[r]: where row r sits in the type-grouped concatenation.
    var rowOrder: [Int32]

    /// canonical [S * N, 3 + hyper] (values only), anchors [S, A, 3].
    init(config c: NPHMConfiguration, canonical: Tensor, anchors: Tensor, perSample: Int) {
        let q = canonical.contiguous(), a = anchors.contiguous()
        let (count, width, anchorCount, k) = (canonical.shape[0], canonical.shape[1], c.anchors, c.neighbours)
        let slots = k + 1, rows = count * slots
        // K nearest anchors per point, sorted by distance.
        var nearest = [Int32](repeating: 0, count: count * k)
        nearest.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!, qd = q.data, ad = a.data
            parallelFor(count, grain: 256) { lo, hi in
                var distance = [Float](repeating: 0, count: anchorCount), order = [Int32](repeating: 0, count: anchorCount)
                for p in lo..<hi {
                    let s = p / perSample, anchorBase = ad + s * anchorCount * 3, point = qd + p * width
                    for j in 0..<anchorCount {
                        let (dx, dy, dz) = (point[0] - anchorBase[3 * j], point[1] - anchorBase[3 * j + 1], point[2] - anchorBase[3 * j + 2])
                        distance[j] = dx * dx + dy * dy + dz * dz
                        order[j] = Int32(j)
                    }
                    // Partial selection sort: K passes over A anchors (K, A small).
                    for i in 0..<k {
                        var best = i
                        for j in (i + 1)..<anchorCount where distance[Int(order[j])] < distance[Int(order[best])] { best = j }
                        order.swapAt(i, best)
                        o[p * k + i] = order[i]
                    }
                }
            }
        }
        pointOfRow = [Int32](repeating: 0, count: rows)
        anchorRowOfRow = [Int32](repeating: 0, count: rows)
        var mirror = [Float](repeating: 1, count: rows * width), mask = [Float](repeating: 1, count: rows)
        rowsOfType = Array(repeating: [], count: c.memberTypes)
        codeOfRow = Array(repeating: [], count: c.memberTypes)
        // The (sample, anchor) codes of each type: every sample's anchors of that type, in order.
        let anchorsOfType = (0..<c.memberTypes).map { t in (0...anchorCount).filter { c.memberType(ofAnchor: $0) == t } }
        let samples = count / perSample
        codesOfType = anchorsOfType.map { list in (0..<samples).flatMap { s in list.map { Int32(s * (anchorCount + 1) + $0) } } }
        let positionInType = (0...anchorCount).map { anchor in anchorsOfType[c.memberType(ofAnchor: anchor)].firstIndex(of: anchor)! }
        for p in 0..<count {
            let s = p / perSample
            for slot in 0..<slots {
                let r = p * slots + slot, anchor = slot < k ? Int(nearest[p * k + slot]) : anchorCount
                let t = c.memberType(ofAnchor: anchor)
                pointOfRow[r] = Int32(p)
                anchorRowOfRow[r] = Int32(s * (anchorCount + 1) + anchor)
                if c.isMirrored(anchor: anchor) { mirror[r * width] = -1 }
                if anchor == anchorCount { mask[r] = 0 }
                rowsOfType[t].append(Int32(r))
                codeOfRow[t].append(Int32(s * anchorsOfType[t].count + positionInType[anchor]))
            }
        }
        rowOrder = [Int32](repeating: 0, count: rows)
        var position: Int32 = 0
        for list in rowsOfType { for r in list { rowOrder[Int(r)] = position; position += 1 } }
        self.mirror = Tensor(mirror, shape: [rows, width])
        localMask = Tensor(mask, shape: [rows, 1])
        globalDistance = Tensor(mask.map { (1 - $0) * c.globalDistance }, shape: [rows, 1])
    }
}

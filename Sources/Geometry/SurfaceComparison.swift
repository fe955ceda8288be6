import Foundation
import Tensor

/// Comparing a reconstructed surface with a ground-truth region (research/nphm.md 2.1-2.2): the
/// prediction is aligned to the truth by rigid ICP (nearest points, pairs farther than `rejection`
/// or with normals under 0.2 dropped, Horn's closed form), then distances run from area-weighted
/// samples of each surface to the other mesh.
public enum SurfaceComparison {
    public struct Samples {
        public var points: [SIMD3<Float>], normals: [SIMD3<Float>]
    }

    /// `count` points spread over the triangles by area (seeded), with their face normals.
    public static func sample(positions: [Float], triangles: [Int32], count: Int, seed: UInt64) -> Samples {
        let p = [SIMD3<Float>](flat: positions)
        var cumulative: [Double] = [], total = 0.0
        for t in stride(from: 0, to: triangles.count, by: 3) {
            let (a, b, c) = (p[Int(triangles[t])], p[Int(triangles[t + 1])], p[Int(triangles[t + 2])])
            total += Double((b - a).cross(c - a).length) / 2
            cumulative.append(total)
        }
        var rng = SeededGenerator(seed: seed)
        var out = Samples(points: [], normals: [])
        guard total > 0 else { return out }
        for _ in 0..<count {
            let target = Double(rng.next() % (1 << 53)) / Double(1 << 53) * total
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < target { lo = mid + 1 } else { hi = mid } }
            let (a, b, c) = (p[Int(triangles[3 * lo])], p[Int(triangles[3 * lo + 1])], p[Int(triangles[3 * lo + 2])])
            var (r1, r2) = (Float(rng.next() % (1 << 24)) / Float(1 << 24), Float(rng.next() % (1 << 24)) / Float(1 << 24))
            if r1 + r2 > 1 { (r1, r2) = (1 - r1, 1 - r2) }
            out.points.append(a + (b - a) * r1 + (c - a) * r2)
            out.normals.append((b - a).cross(c - a).normalised())
        }
        return out
    }

    /// A rigid motion x -> R x + t (R row-major).
    public struct RigidMotion {
        public var rotation: [SIMD3<Float>] = [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]
        public var translation = SIMD3<Float>(repeating: 0)
        public init() {}
        public func apply(_ x: SIMD3<Float>) -> SIMD3<Float> {
            SIMD3((rotation[0] * x).sum(), (rotation[1] * x).sum(), (rotation[2] * x).sum()) + translation
        }
        public func rotate(_ x: SIMD3<Float>) -> SIMD3<Float> { SIMD3((rotation[0] * x).sum(), (rotation[1] * x).sum(), (rotation[2] * x).sum()) }
    }

    /// The rigid motion that best maps `from` onto `to` in least squares (Horn 1987: the rotation is the
    /// top eigenvector of a 4x4 symmetric matrix, found by Jacobi rotations).
    public static func bestRigidMotion(from source: [SIMD3<Float>], to target: [SIMD3<Float>]) -> RigidMotion {
        precondition(source.count == target.count && !source.isEmpty, "matched point lists")
        let n = Double(source.count)
        var (ms, mt) = (SIMD3<Double>(repeating: 0), SIMD3<Double>(repeating: 0))
        for (s, t) in zip(source, target) { ms += SIMD3<Double>(s) / n; mt += SIMD3<Double>(t) / n }
        var m = [[Double]](repeating: [0, 0, 0], count: 3)  // cross-covariance S = sum (s - ms)(t - mt)^T
        for (s, t) in zip(source, target) {
            let (a, b) = (SIMD3<Double>(s) - ms, SIMD3<Double>(t) - mt)
            for i in 0..<3 { for j in 0..<3 { m[i][j] += a[i] * b[j] } }
        }
        let (sxx, sxy, sxz, syx, syy, syz, szx, szy, szz) = (m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2])
        var k: [[Double]] = [
            [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
            [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
            [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
            [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
        ]
        let (values, vectors) = jacobiEigen(&k)
        let top = values.indices.max { values[$0] < values[$1] }!
        let (w, x, y, z) = (vectors[0][top], vectors[1][top], vectors[2][top], vectors[3][top])
        var motion = RigidMotion()
        motion.rotation = [
            SIMD3(Float(w * w + x * x - y * y - z * z), Float(2 * (x * y - w * z)), Float(2 * (x * z + w * y))),
            SIMD3(Float(2 * (x * y + w * z)), Float(w * w - x * x + y * y - z * z), Float(2 * (y * z - w * x))),
            SIMD3(Float(2 * (x * z - w * y)), Float(2 * (y * z + w * x)), Float(w * w - x * x - y * y + z * z)),
        ]
        motion.translation = SIMD3<Float>(mt) - motion.rotate(SIMD3<Float>(ms))
        return motion
    }

    /// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.
    static func jacobiEigen(_ a: inout [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        let n = a.count
        var v = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        for _ in 0..<64 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<n { off += a[i][j] * a[i][j] } }
            if off < 1e-22 { break }
            for p in 0..<n { for q in (p + 1)..<n where abs(a[p][q]) > 1e-300 {
                let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let (c, s) = (1 / (t * t + 1).squareRoot(), t / (t * t + 1).squareRoot())
                for k in 0..<n {
                    let (akp, akq) = (a[k][p], a[k][q])
                    (a[k][p], a[k][q]) = (c * akp - s * akq, s * akp + c * akq)
                }
                for k in 0..<n {
                    let (apk, aqk) = (a[p][k], a[q][k])
                    (a[p][k], a[q][k]) = (c * apk - s * aqk, s * apk + c * aqk)
                }
                for k in 0..<n {
                    let (vkp, vkq) = (v[k][p], v[k][q])
                    (v[k][p], v[k][q]) = (c * vkp - s * vkq, s * vkp + c * vkq)
                }
            } }
        }
        return ((0..<n).map { a[$0][$0] }, v)
    }

    /// Rigid ICP of a predicted mesh onto ground-truth samples: each iteration pairs every truth point
    /// with its nearest point on the (moved) prediction and solves for the motion.
    public static func alignRigidly(prediction: MeshDistance, truth: Samples, iterations: Int = 20, rejection: Float) -> RigidMotion {
        var total = RigidMotion()
        for _ in 0..<iterations {
            // Pull the truth back into the prediction's frame instead of moving the mesh: R^T (p - t).
            var source: [SIMD3<Float>] = [], target: [SIMD3<Float>] = []
            for (p, n) in zip(truth.points, truth.normals) {
                let back = inverse(total, p)
                let hit = prediction.nearest(to: back)
                guard hit.distance <= rejection, abs((prediction.faceNormals[hit.triangle] * inverseRotate(total, n)).sum()) >= 0.2 else { continue }
                source.append(total.apply(hit.point))
                target.append(p)
            }
            guard source.count >= 3 else { break }
            let step = bestRigidMotion(from: source, to: target)
            total = compose(step, total)
        }
        return total
    }

    static func inverseRotate(_ m: RigidMotion, _ x: SIMD3<Float>) -> SIMD3<Float> {
        m.rotation[0] * x.x + m.rotation[1] * x.y + m.rotation[2] * x.z
    }
    static func inverse(_ m: RigidMotion, _ x: SIMD3<Float>) -> SIMD3<Float> { inverseRotate(m, x - m.translation) }

    /// a after b.
    static func compose(_ a: RigidMotion, _ b: RigidMotion) -> RigidMotion {
        var out = RigidMotion()
        let columns = (0..<3).map { j in a.rotate(SIMD3(b.rotation[0][j], b.rotation[1][j], b.rotation[2][j])) }
        out.rotation = (0..<3).map { i in SIMD3(columns[0][i], columns[1][i], columns[2][i]) }
        out.translation = a.apply(b.translation)
        return out
    }

    /// Distances of a prediction to a truth region (all in the meshes' units).
    public struct Metrics: Sendable {
        /// Truth -> prediction: mean Manhattan (MonoNPHM's "L1 Chamfer") and mean Euclidean distance.
        public var truthToPredictionL1: Float, truthToPrediction: Float
        /// Prediction (samples within `reach` of the truth region) -> truth, and the symmetric mean.
        public var predictionToTruth: Float, symmetric: Float
        /// Mean |n_truth . n_prediction| at nearest points, both ways.
        public var normalConsistency: Float
        /// F-scores at the thresholds given (precision: prediction -> truth, recall: truth -> prediction).
        public var fScores: [Float]
    }

    /// Aligns `prediction` onto the truth region rigidly, then measures. `reach`: how far from the truth
    /// region predicted samples still count as its counterpart (the rest of the head is not judged).
    public static func compare(prediction: (positions: [Float], triangles: [Int32]), truth: (positions: [Float], triangles: [Int32]),
                               samples: Int = 20_000, rejection: Float, reach: Float, thresholds: [Float], seed: UInt64 = 1) -> Metrics {
        let truthSamples = sample(positions: truth.positions, triangles: truth.triangles, count: samples, seed: seed)
        let predictionMesh = MeshDistance(positions: prediction.positions, triangles: prediction.triangles)
        let motion = alignRigidly(prediction: predictionMesh, truth: truthSamples, rejection: rejection)
        let moved = [SIMD3<Float>](flat: prediction.positions).map(motion.apply).flat
        let alignedMesh = MeshDistance(positions: moved, triangles: prediction.triangles), truthMesh = MeshDistance(positions: truth.positions, triangles: truth.triangles)
        var (l1, l2, normals) = (0.0, 0.0, 0.0)
        var recall = [Int](repeating: 0, count: thresholds.count)
        for (p, n) in zip(truthSamples.points, truthSamples.normals) {
            let hit = alignedMesh.nearest(to: p), d = hit.point - p
            l1 += Double(abs(d.x) + abs(d.y) + abs(d.z))
            l2 += Double(hit.distance)
            normals += Double(abs((alignedMesh.faceNormals[hit.triangle] * n).sum()))
            for (k, tau) in thresholds.enumerated() where hit.distance <= tau { recall[k] += 1 }
        }
        let predictionSamples = sample(positions: moved, triangles: prediction.triangles, count: samples, seed: seed &+ 1)
        var (back, backNormals, counted) = (0.0, 0.0, 0)
        var precision = [Int](repeating: 0, count: thresholds.count)
        for (p, n) in zip(predictionSamples.points, predictionSamples.normals) {
            let hit = truthMesh.nearest(to: p)
            guard hit.distance <= reach else { continue }
            counted += 1
            back += Double(hit.distance)
            backNormals += Double(abs((truthMesh.faceNormals[hit.triangle] * n).sum()))
            for (k, tau) in thresholds.enumerated() where hit.distance <= tau { precision[k] += 1 }
        }
        let m = Double(truthSamples.points.count), c = Double(max(counted, 1))
        let fScores = thresholds.indices.map { k -> Float in
            let (p, r) = (Double(precision[k]) / c, Double(recall[k]) / m)
            return p + r > 0 ? Float(2 * p * r / (p + r)) : 0
        }
        let toTruth = Float(back / c), fromTruth = Float(l2 / m)
        return Metrics(truthToPredictionL1: Float(l1 / m), truthToPrediction: fromTruth, predictionToTruth: toTruth,
                       symmetric: (toTruth + fromTruth) / 2, normalConsistency: Float((normals / m + backNormals / c) / 2), fScores: fScores)
    }
}

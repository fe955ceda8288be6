import Foundation
import Geometry
import ShadersCPU
import Splat
import Tensor
import XCTest

/// gs_project_fwd / gs_project_bwd against central differences of a weighted sum of every output, in
/// both modes, with one Gaussian beyond the clamped tangent.
final class ProjectionKernelTests: XCTestCase {
    func kernelCamera(antialiased: Bool) -> gs_camera {
        var cam = gs_camera()
        let r: [Float] = [0.96, 0, -0.28, 0.0672, 0.9708, 0.2304, 0.2718, -0.24, 0.9319]  // roughly orthonormal is enough
        withUnsafeMutableBytes(of: &cam.rotation) { raw in for i in 0..<9 { raw.bindMemory(to: Float.self)[i] = r[i] } }
        (cam.translation.0, cam.translation.1, cam.translation.2) = (0.1, -0.2, 3)
        (cam.fx, cam.fy, cam.cx, cam.cy, cam.width, cam.height) = (48, 50, 22, 19, 45, 37)
        (cam.near_plane, cam.far_plane, cam.eps2d, cam.antialiased, cam.alpha_min) = (0.01, 1e10, 0.3, antialiased ? 1 : 0, 1 / 255)
        return cam
    }

    func testBackwardMatchesFiniteDifferences() {
        let n = 6
        var means = Tensor.uniform([3 * n], low: -0.7, high: 0.7, seed: 1).toArray()
        means[0] = 2.2  // a Gaussian beyond the clamped tangent on x
        // All parameters in one array [means | log scales | quaternions | logits], perturbed in place.
        var params = means + Tensor.uniform([3 * n], low: -2.5, high: -1.2, seed: 2).toArray()
            + Tensor.normal([4 * n], seed: 3).toArray() + Tensor.uniform([n], low: -1, high: 2, seed: 4).toArray()
        let blocks = [("means", 0, 3 * n), ("logScales", 3 * n, 6 * n), ("quats", 6 * n, 10 * n), ("logits", 10 * n, 11 * n)]
        let w2 = Tensor.normal([2 * n], seed: 5).toArray(), wc = Tensor.normal([3 * n], std: 30, seed: 6).toArray()
        let wd = Tensor.normal([n], seed: 7).toArray(), wo = Tensor.normal([n], seed: 8).toArray()
        for antialiased in [false, true] {
            var cam = kernelCamera(antialiased: antialiased)
            func loss() -> (Double, [Int32]) {
                var m2 = [Float](repeating: 0, count: 2 * n), co = [Float](repeating: 0, count: 3 * n)
                var de = [Float](repeating: 0, count: n), op = [Float](repeating: 0, count: n), ra = [Int32](repeating: 0, count: 2 * n)
                gs_project_fwd(Array(params[0..<(3 * n)]), Array(params[(3 * n)..<(6 * n)]), Array(params[(6 * n)..<(10 * n)]),
                               Array(params[(10 * n)...]), &cam, 0, Int64(n), &m2, &co, &de, &ra, &op)
                var s = 0.0
                for i in 0..<(2 * n) { s += Double(m2[i] * w2[i]) }
                for i in 0..<(3 * n) { s += Double(co[i] * wc[i]) }
                for i in 0..<n { s += Double(de[i] * wd[i] + op[i] * wo[i]) }
                return (s, ra)
            }
            let radii = loss().1
            XCTAssertTrue(radii.allSatisfy { $0 > 0 }, "every Gaussian visible: \(radii)")
            var dm = [Float](repeating: 0, count: 3 * n), ds = [Float](repeating: 0, count: 3 * n)
            var dq = [Float](repeating: 0, count: 4 * n), dl = [Float](repeating: 0, count: n)
            gs_project_bwd(Array(params[0..<(3 * n)]), Array(params[(3 * n)..<(6 * n)]), Array(params[(6 * n)..<(10 * n)]),
                           Array(params[(10 * n)...]), &cam, 0, Int64(n), radii, w2, wc, wd, wo, &dm, &ds, &dq, &dl)
            let analytic = dm + ds + dq + dl
            for (label, lo, hi) in blocks {
                for i in lo..<hi {
                    let keep = params[i], eps: Float = 1e-3
                    params[i] = keep + eps
                    let (lp, rp) = loss()
                    params[i] = keep - eps
                    let (lm, rm) = loss()
                    params[i] = keep
                    if rp != radii || rm != radii { continue }  // a footprint changed size: not differentiable there
                    let numeric = (lp - lm) / Double(2 * eps)
                    XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 2e-2 * max(1, abs(numeric)),
                                   "\(label)[\(i - lo)], antialiased \(antialiased)")
                }
            }
        }
    }
}

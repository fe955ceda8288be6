import Foundation
import Imaging
import Tensor

/// A triangle mesh with per-vertex attributes (colours, normals, UVs: `channels` floats each).
public struct Mesh: Sendable {
    /// [N, 3] world positions.
    public var positions: [Float]
    /// [M, 3] vertex indices, counter-clockwise seen from outside.
    public var triangles: [Int32]
    /// [N, channels] attributes interpolated across each triangle.
    public var attributes: [Float]
    public var channels: Int

    public init(positions: [Float], triangles: [Int32], attributes: [Float], channels: Int) {
        precondition(positions.count % 3 == 0 && triangles.count % 3 == 0, "positions [N, 3], triangles [M, 3]")
        precondition(attributes.count == positions.count / 3 * channels, "attributes must be [N, \(channels)]")
        (self.positions, self.triangles, self.attributes, self.channels) = (positions, triangles, attributes, channels)
    }

    public var vertexCount: Int { positions.count / 3 }
    public var triangleCount: Int { triangles.count / 3 }
}

/// What a rasterised view holds per pixel: the average of the covered samples' attributes, the
/// coverage (the fraction of the pixel's samples a triangle covers: an antialiased alpha) and the
/// nearest depth.
public struct RasterizedView: Sendable {
    public let width: Int, height: Int, channels: Int
    /// [H, W, channels], averaged over covered samples (0 where nothing is covered).
    public let attributes: [Float]
    /// [H, W] in [0, 1].
    public let coverage: [Float]
    /// [H, W] camera-space depth of the nearest covered sample (infinity where none).
    public let depth: [Float]

    /// RGBA image of the first three channels over coverage.
    public func image() -> Image {
        precondition(channels >= 3, "an image needs three channels")
        var out = Image(width: width, height: height, channels: 4)
        for p in 0..<(width * height) {
            for c in 0..<3 { out.pixels[p * 4 + c] = attributes[p * channels + c] }
            out.pixels[p * 4 + 3] = coverage[p]
        }
        return out
    }
}

/// A z-buffer triangle rasteriser: each pixel is sampled on a `supersampling` x `supersampling`
/// grid, a sample takes the nearest triangle whose edge functions contain it (top-left fill rule, so
/// shared edges are drawn once), attributes are interpolated perspective-correctly (barycentrics
/// divided by depth), and samples are averaged per pixel. Triangles with a vertex behind the near
/// plane are skipped. Triangles are binned into bands of rows, the bands split over the cores; a
/// sample keeps only its triangle and barycentrics, and attributes are interpolated once per visible
/// sample when the band is resolved. The result does not depend on the number of threads.
public enum TriangleRasterizer {
    public static func render(_ mesh: Mesh, camera: Camera, supersampling: Int = 2, nearPlane: Float = 0.01) -> RasterizedView {
        let (w, h, s, ch) = (camera.width, camera.height, max(1, supersampling), mesh.channels)
        let (bw, bh) = (w * s, h * s)
        // Vertices in sample coordinates (x right, y down) with their camera-space depth.
        let n = mesh.vertexCount
        var sx = [Float](repeating: 0, count: n), sy = [Float](repeating: 0, count: n), sz = [Float](repeating: 0, count: n)
        sx.withUnsafeMutableBufferPointer { px in sy.withUnsafeMutableBufferPointer { py in sz.withUnsafeMutableBufferPointer { pz in
            let (ox, oy, oz) = (px.baseAddress!, py.baseAddress!, pz.baseAddress!)
            mesh.positions.withUnsafeBufferPointer { positions in
                parallelFor(n, chunk: 4096) { begin, end in
                    for i in begin..<end {
                        let c = camera.toCamera(SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]))
                        oz[i] = c.z
                        ox[i] = (camera.fx * c.x / c.z + camera.cx) * Float(s)
                        oy[i] = (camera.fy * c.y / c.z + camera.cy) * Float(s)
                    }
                }
            }
        } } }
        // Bin the drawable triangles by the bands of sample rows their boxes touch (counting sort, so
        // each band lists its triangles in mesh order).
        let bandRows = 8 * s  // eight pixel rows a band
        let bands = (bh + bandRows - 1) / bandRows
        var bandRange = [Int32](repeating: -1, count: 2 * mesh.triangleCount)
        var counts = [Int](repeating: 0, count: bands + 1)
        for t in 0..<mesh.triangleCount {
            let (i0, i1, i2) = (Int(mesh.triangles[3 * t]), Int(mesh.triangles[3 * t + 1]), Int(mesh.triangles[3 * t + 2]))
            guard sz[i0] > nearPlane && sz[i1] > nearPlane && sz[i2] > nearPlane else { continue }
            let ylo = min(sy[i0], sy[i1], sy[i2]), yhi = max(sy[i0], sy[i1], sy[i2])
            let xlo = min(sx[i0], sx[i1], sx[i2]), xhi = max(sx[i0], sx[i1], sx[i2])
            guard yhi >= 0 && ylo <= Float(bh) && xhi >= 0 && xlo <= Float(bw) else { continue }
            let ymin = max(0, Int((ylo - 0.5).rounded(.up))), ymax = min(bh - 1, Int((yhi - 0.5).rounded(.down)))
            guard ymin <= ymax else { continue }
            bandRange[2 * t] = Int32(ymin / bandRows)
            bandRange[2 * t + 1] = Int32(ymax / bandRows)
            for b in (ymin / bandRows)...(ymax / bandRows) { counts[b + 1] += 1 }
        }
        for b in 0..<bands { counts[b + 1] += counts[b] }
        var binned = [Int32](repeating: 0, count: counts[bands]), fill = counts
        for t in 0..<mesh.triangleCount where bandRange[2 * t] >= 0 {
            for b in Int(bandRange[2 * t])...Int(bandRange[2 * t + 1]) {
                binned[fill[b]] = Int32(t)
                fill[b] += 1
            }
        }

        var attributes = [Float](repeating: 0, count: w * h * ch), coverage = [Float](repeating: 0, count: w * h)
        var depth = [Float](repeating: .infinity, count: w * h)
        attributes.withUnsafeMutableBufferPointer { at in coverage.withUnsafeMutableBufferPointer { cv in depth.withUnsafeMutableBufferPointer { dp in
        mesh.attributes.withUnsafeBufferPointer { meshAttributes in mesh.triangles.withUnsafeBufferPointer { triangles in
        sx.withUnsafeBufferPointer { sxp in sy.withUnsafeBufferPointer { syp in sz.withUnsafeBufferPointer { szp in
            let (pat, pcv, pdp, ma, tri) = (at.baseAddress!, cv.baseAddress!, dp.baseAddress!, meshAttributes.baseAddress!, triangles.baseAddress!)
            let (vx, vy, vz) = (sxp.baseAddress!, syp.baseAddress!, szp.baseAddress!)
            parallelFor(bands, chunk: 1) { bandBegin, bandEnd in
                // One band's samples: depth, winning triangle and its perspective-correct barycentrics.
                let rows = bandRows
                let zbuf = UnsafeMutablePointer<Float>.allocate(capacity: rows * bw)
                let winner = UnsafeMutablePointer<Int32>.allocate(capacity: rows * bw)
                let bary = UnsafeMutablePointer<SIMD2<Float>>.allocate(capacity: rows * bw)
                defer { zbuf.deallocate(); winner.deallocate(); bary.deallocate() }
                for band in bandBegin..<bandEnd {
                    zbuf.update(repeating: .infinity, count: rows * bw)
                    winner.update(repeating: -1, count: rows * bw)
                    let y0 = band * rows, y1 = min(bh, y0 + rows) - 1
                    for k in counts[band]..<counts[band + 1] {
                        let t = Int(binned[k])
                        let (i0, i1, i2) = (Int(tri[3 * t]), Int(tri[3 * t + 1]), Int(tri[3 * t + 2]))
                        let (ax, ay, bx, by, cx, cy) = (vx[i0], vy[i0], vx[i1], vy[i1], vx[i2], vy[i2])
                        let area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
                        guard area != 0 else { continue }
                        let xmin = max(0, Int((min(ax, bx, cx) - 0.5).rounded(.up))), xmax = min(bw - 1, Int((max(ax, bx, cx) - 0.5).rounded(.down)))
                        let ymin = max(y0, Int((min(ay, by, cy) - 0.5).rounded(.up))), ymax = min(y1, Int((max(ay, by, cy) - 0.5).rounded(.down)))
                        guard xmin <= xmax && ymin <= ymax else { continue }
                        // Edge functions normalised by the area so they are barycentrics of either winding;
                        // top-left rule on the oriented edges keeps shared edges from being drawn twice.
                        let sign: Float = area > 0 ? 1 : -1
                        @inline(__always) func topLeft(_ px: Float, _ py: Float, _ qx: Float, _ qy: Float) -> Bool {
                            let (ex, ey) = ((qx - px) * sign, (qy - py) * sign)
                            return (ey == 0 && ex < 0) || ey > 0
                        }
                        let (bias0, bias1, bias2) = (topLeft(bx, by, cx, cy), topLeft(cx, cy, ax, ay), topLeft(ax, ay, bx, by))
                        let (iz0, iz1, iz2) = (1 / vz[i0], 1 / vz[i1], 1 / vz[i2])
                        let inverseArea = 1 / area
                        for y in ymin...ymax {
                            let py = Float(y) + 0.5
                            let row = (y - y0) * bw
                            // Evaluated directly at each sample (not stepped) so shared edges stay exact.
                            let (e0, e1) = ((cx - bx) * (py - by), (ax - cx) * (py - cy))
                            for x in xmin...xmax {
                                let px = Float(x) + 0.5
                                let w0 = (e0 - (cy - by) * (px - bx)) * inverseArea
                                let w1 = (e1 - (ay - cy) * (px - cx)) * inverseArea
                                let w2 = 1 - w0 - w1
                                guard (w0 > 0 || (w0 == 0 && bias0)) && (w1 > 0 || (w1 == 0 && bias1))
                                        && (w2 > 0 || (w2 == 0 && bias2)) else { continue }
                                // 1/z is linear in screen space: the sample's depth and perspective-correct weights.
                                let iz = w0 * iz0 + w1 * iz1 + w2 * iz2, z = 1 / iz
                                let k = row + x
                                guard z < zbuf[k] else { continue }
                                zbuf[k] = z
                                winner[k] = Int32(t)
                                bary[k] = SIMD2(w0 * iz0 * z, w1 * iz1 * z)
                            }
                        }
                    }
                    // Resolve the band's pixels: average the visible samples' interpolated attributes.
                    let pixelRows = rows / s
                    for row in (band * pixelRows)..<min(h, (band + 1) * pixelRows) {
                        for x in 0..<w {
                            var covered = 0, nearest = Float.infinity
                            let o = row * w + x
                            for dy in 0..<s {
                                for dx in 0..<s {
                                    let k = (row * s + dy - y0) * bw + x * s + dx
                                    let t = Int(winner[k])
                                    guard t >= 0 else { continue }
                                    covered += 1
                                    nearest = min(nearest, zbuf[k])
                                    let (p0, p1) = (bary[k].x, bary[k].y), p2 = 1 - p0 - p1
                                    let (a0, a1, a2) = (ma + Int(tri[3 * t]) * ch, ma + Int(tri[3 * t + 1]) * ch, ma + Int(tri[3 * t + 2]) * ch)
                                    for c in 0..<ch { pat[o * ch + c] += p0 * a0[c] + p1 * a1[c] + p2 * a2[c] }
                                }
                            }
                            if covered > 0 { for c in 0..<ch { pat[o * ch + c] /= Float(covered) } }
                            pcv[o] = Float(covered) / Float(s * s)
                            pdp[o] = nearest
                        }
                    }
                }
            }
        } } } } } } } }
        return RasterizedView(width: w, height: h, channels: ch, attributes: attributes, coverage: coverage, depth: depth)
    }
}

extension Mesh {
    /// Area-weighted vertex normals [N, 3] of `positions` [N, 3] over `triangles` (unit length; zero
    /// for vertices no triangle uses). Counter-clockwise triangles seen from outside give outward normals.
    public static func vertexNormals(positions: [Float], triangles: [Int32]) -> [Float] {
        var normals = [Float](repeating: 0, count: positions.count)
        func p(_ i: Int) -> SIMD3<Float> { SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]) }
        for t in stride(from: 0, to: triangles.count, by: 3) {
            let (a, b, c) = (Int(triangles[t]), Int(triangles[t + 1]), Int(triangles[t + 2]))
            let (u, v) = (p(b) - p(a), p(c) - p(a))
            let n = u.cross(v)  // |n| = 2 x area
            for i in [a, b, c] { for k in 0..<3 { normals[3 * i + k] += n[k] } }
        }
        for i in 0..<(positions.count / 3) {
            let length = SIMD3(normals[3 * i], normals[3 * i + 1], normals[3 * i + 2]).length
            if length > 0 { for k in 0..<3 { normals[3 * i + k] /= length } }
        }
        return normals
    }
}

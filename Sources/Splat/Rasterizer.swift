import Foundation
import Geometry
import ShadersCPU
import Tensor

/// How a view is rendered.
public struct RenderSettings: Sendable {
    public var background: SIMD3<Float> = SIMD3(1, 1, 1)
    /// Mip-Splatting's opacity compensation for the 2D dilation.
    public var antialiased = false
    /// SH bands in use (training raises it over time); nil: all the Gaussians have.
    public var activeSHDegree: Int?
    public var nearPlane: Float = 0.01, farPlane: Float = 1e10
    /// Added to the 2D covariance's diagonal (pixels^2), as 3DGS.
    public var dilation: Float = 0.3
    /// Smallest alpha composited (3DGS: 1/255). Smaller values make the image a smooth function of
    /// the parameters (what finite-difference tests need) at the cost of larger footprints.
    public var alphaMin: Float = 1 / 255
    /// Whether to render the expected depth (`RenderedView.depth`). Training does not need it and
    /// turns it off: the raster kernels then carry one channel less per pixel and list entry.
    public var expectedDepth = true

    public init() {}
}

/// One rendered view and what its backward pass needs (projection, binning, per-pixel state).
public final class RenderedView {
    public let width: Int, height: Int
    /// [H, W, 3] composited over the background.
    public let rgb: [Float]
    /// [H, W] accumulated opacity, 1 - final transmittance.
    public let alpha: [Float]
    /// [H, W] expected depth (sum of weights x depth, not normalised by alpha); empty when
    /// `RenderSettings.expectedDepth` is off.
    public let depth: [Float]
    /// [N, 2] screen radii in pixels (0 = culled); densification reads which Gaussians were visible.
    public let radii: [Int32]

    let camera: Camera, kernelCamera: gs_camera, settings: RenderSettings, activeDegree: Int
    /// [N, GS_SPLAT_FLOATS] what the raster kernels read of each Gaussian (gs_pack_splats).
    let splats: [Float]
    let ids: [Int32], ranges: [Int64], tilesX: Int
    let finalT: [Float], contributors: [Int32]

    init(width: Int, height: Int, rgb: [Float], alpha: [Float], depth: [Float], radii: [Int32], camera: Camera, kernelCamera: gs_camera,
         settings: RenderSettings, activeDegree: Int, splats: [Float], ids: [Int32], ranges: [Int64], tilesX: Int, finalT: [Float], contributors: [Int32]) {
        (self.width, self.height, self.rgb, self.alpha, self.depth, self.radii) = (width, height, rgb, alpha, depth, radii)
        (self.camera, self.kernelCamera, self.settings, self.activeDegree) = (camera, kernelCamera, settings, activeDegree)
        self.splats = splats
        (self.ids, self.ranges, self.tilesX, self.finalT, self.contributors) = (ids, ranges, tilesX, finalT, contributors)
    }

    /// Tile-list entries (Gaussian-tile pairs) of this render.
    public var instances: Int { ids.count }
}

/// Gradients of a loss with respect to every Gaussian parameter (layouts as in `Gaussians`).
public struct GaussianGradients: Sendable {
    public var means: [Float], logScales: [Float], quaternions: [Float], opacityLogits: [Float], sh: [Float]
    /// [N, 2] gradient of the 2D means in pixels (what densification accumulates).
    public var means2d: [Float]
}

/// The tile rasteriser: `render` (projection, SH colour, binning, per-tile compositing) and
/// `backward` (per-tile back-to-front gradients, reduced per Gaussian in a fixed order, then through
/// the colour and projection), both spread over the cores.
public enum Rasterizer {
    static let tile = 16

    static func camera(_ c: Camera, _ s: RenderSettings) -> gs_camera {
        var cam = gs_camera()
        withUnsafeMutableBytes(of: &cam.rotation) { raw in
            let rotation = raw.bindMemory(to: Float.self)
            for i in 0..<9 { rotation[i] = c.rotation[i] }
        }
        (cam.translation.0, cam.translation.1, cam.translation.2) = (c.translation.x, c.translation.y, c.translation.z)
        (cam.fx, cam.fy, cam.cx, cam.cy) = (c.fx, c.fy, c.cx, c.cy)
        (cam.width, cam.height) = (Int32(c.width), Int32(c.height))
        (cam.near_plane, cam.far_plane, cam.eps2d) = (s.nearPlane, s.farPlane, s.dilation)
        cam.antialiased = s.antialiased ? 1 : 0
        cam.alpha_min = s.alphaMin
        return cam
    }

    public static func render(_ g: Gaussians, camera: Camera, settings: RenderSettings = RenderSettings()) -> RenderedView {
        let n = g.count, (w, h) = (camera.width, camera.height)
        let cam = Self.camera(camera, settings)
        let degree = min(settings.activeSHDegree ?? g.shDegree, g.shDegree)
        var means2d = [Float](repeating: 0, count: 2 * n), conics = [Float](repeating: 0, count: 3 * n)
        var depths = [Float](repeating: 0, count: n), opacities = [Float](repeating: 0, count: n)
        var radii = [Int32](repeating: 0, count: 2 * n), colours = [Float](repeating: 0, count: 3 * n)
        let centre = camera.centre, centreArray = [centre.x, centre.y, centre.z]
        means2d.withUnsafeMutableBufferPointer { m2 in conics.withUnsafeMutableBufferPointer { co in
            depths.withUnsafeMutableBufferPointer { de in opacities.withUnsafeMutableBufferPointer { op in
                radii.withUnsafeMutableBufferPointer { ra in colours.withUnsafeMutableBufferPointer { cl in
                    let (pm2, pco, pde, pop, pra, pcl) = (m2.baseAddress!, co.baseAddress!, de.baseAddress!, op.baseAddress!,
                                                           ra.baseAddress!, cl.baseAddress!)
                    withUnsafePointer(to: cam) { pcam in
                        parallelFor(n, grain: 2048) { lo, hi in
                            gs_project_fwd(g.means, g.logScales, g.quaternions, g.opacityLogits, pcam, Int64(lo), Int64(hi),
                                           pm2, pco, pde, pra, pop)
                            gs_sh_fwd(g.sh, Int32(g.shCoefficients), Int32(degree), g.means, centreArray, Int64(lo), Int64(hi), pcl)
                        }
                    }
                } }
            } }
        } }

        let splats = packSplats(means2d: means2d, conics: conics, opacities: opacities, colours: colours, depths: depths,
                                alphaMin: settings.alphaMin)
        let tilesX = (w + tile - 1) / tile, tilesY = (h + tile - 1) / tile
        let (ids, ranges) = bin(splats: splats, radii: radii, depths: depths, tilesX: tilesX, tilesY: tilesY)
        let tiles = tilesX * tilesY

        var rgb = [Float](repeating: 0, count: 3 * w * h), alpha = [Float](repeating: 0, count: w * h)
        var depth = [Float](repeating: 0, count: settings.expectedDepth ? w * h : 0), finalT = [Float](repeating: 0, count: w * h)
        var contributors = [Int32](repeating: 0, count: w * h)
        let background = [settings.background.x, settings.background.y, settings.background.z]
        rgb.withUnsafeMutableBufferPointer { r in alpha.withUnsafeMutableBufferPointer { a in depth.withUnsafeMutableBufferPointer { d in
            finalT.withUnsafeMutableBufferPointer { t in contributors.withUnsafeMutableBufferPointer { c in
                let (pr, pa, pt, pc) = (r.baseAddress, a.baseAddress, t.baseAddress, c.baseAddress)
                let pd = settings.expectedDepth ? d.baseAddress : nil
                parallelFor(tiles, chunk: 2) { lo, hi in
                    gs_rasterize_fwd(splats, ranges, ids, Int32(w), Int32(h), Int32(tilesX),
                                     settings.alphaMin, background, Int64(lo), Int64(hi), pr, pa, pd, pt, pc)
                }
            } }
        } } }
        return RenderedView(width: w, height: h, rgb: rgb, alpha: alpha, depth: depth, radii: radii, camera: camera, kernelCamera: cam,
                            settings: settings,
                            activeDegree: degree, splats: splats, ids: ids, ranges: ranges, tilesX: tilesX, finalT: finalT, contributors: contributors)
    }

    /// What the raster kernels and binning read of each projected Gaussian, one record of
    /// GS_SPLAT_FLOATS floats each (Shaders-CPU/gs_raster.c, gs_pack_splats). means2d [N,2], conics
    /// [N,3], opacities [N], colours [N,3], depths [N].
    public static func packSplats(means2d: [Float], conics: [Float], opacities: [Float], colours: [Float], depths: [Float],
                                  alphaMin: Float) -> [Float] {
        let n = depths.count, count = Int(GS_SPLAT_FLOATS) * n
        return [Float](unsafeUninitializedCapacity: count) { sp, initialised in
            let ps = sp.baseAddress!
            parallelFor(n, grain: 4096) { lo, hi in
                gs_pack_splats(means2d, conics, opacities, colours, depths, alphaMin, Int64(lo), Int64(hi), ps)
            }
            initialised = count
        }
    }

    /// The per-tile lists: the Gaussian-tile pairs sorted by (tile, depth), as ids [M] and each
    /// tile's [start, end) in ranges [tiles, 2]; a Gaussian is listed in the tiles of its box (radii)
    /// that its alpha_min ellipse reaches. Depth order on the N Gaussians, then one stable counting
    /// pass by tile over fixed chunks of that order (Shaders-CPU/gs_raster.c), so the lists do not
    /// depend on the number of threads. splats: [N, GS_SPLAT_FLOATS] from gs_pack_splats.
    public static func bin(splats: [Float], radii: [Int32], depths: [Float], tilesX: Int, tilesY: Int) -> (ids: [Int32], ranges: [Int64]) {
        let n = depths.count, tiles = tilesX * tilesY
        var order = [Int32](repeating: 0, count: n), scratch = [Int32](repeating: 0, count: n)
        let visible = Int(gs_depth_order(depths, radii, Int64(n), &order, &scratch))
        let chunks = Parallel.threads
        var counts = [Int64](repeating: 0, count: chunks * tiles)
        counts.withUnsafeMutableBufferPointer { c in
            let pc = c.baseAddress!
            parallelChunks(visible, chunks: chunks) { chunk, lo, hi in
                gs_bin_count(splats, radii, order, Int32(tilesX), Int32(tilesY), Int64(lo), Int64(hi), pc + chunk * tiles)
            }
        }
        // Each tile's list holds chunk 0's Gaussians, then chunk 1's, ...: the cursors start there.
        var ranges = [Int64](repeating: 0, count: 2 * tiles), cursors = [Int64](repeating: 0, count: chunks * tiles)
        var total: Int64 = 0
        for t in 0..<tiles {
            ranges[2 * t] = total
            for c in 0..<chunks { cursors[c * tiles + t] = total; total += counts[c * tiles + t] }
            ranges[2 * t + 1] = total
        }
        var ids = [Int32](unsafeUninitializedCapacity: Int(total)) { _, count in count = Int(total) }
        ids.withUnsafeMutableBufferPointer { d in cursors.withUnsafeMutableBufferPointer { c in
            let (pd, pc) = (d.baseAddress, c.baseAddress!)
            parallelChunks(visible, chunks: chunks) { chunk, lo, hi in
                gs_bin_emit(splats, radii, order, Int32(tilesX), Int32(tilesY), Int64(lo), Int64(hi), pc + chunk * tiles, pd)
            }
        } }
        return (ids, ranges)
    }

    /// Gradients of a loss given its gradients with respect to the rendered rgb [H,W,3] and,
    /// optionally, alpha [H,W] and depth [H,W] (which needs a render with `expectedDepth`).
    public static func backward(_ r: RenderedView, _ g: Gaussians, dRGB: [Float], dAlpha: [Float]? = nil,
                                dDepth: [Float]? = nil) -> GaussianGradients {
        let n = g.count, (w, h) = (r.width, r.height), m = r.ids.count
        precondition(dRGB.count == 3 * w * h, "dRGB must be [H, W, 3]")
        precondition(dAlpha == nil || dAlpha!.count == w * h, "dAlpha must be [H, W]")
        precondition(dDepth == nil || (dDepth!.count == w * h && r.settings.expectedDepth),
                     "dDepth must be [H, W], of a render with expectedDepth")
        let zeros = dAlpha == nil ? [Float](repeating: 0, count: w * h) : []
        let background = [r.settings.background.x, r.settings.background.y, r.settings.background.z]
        // Every record is written by the kernel (zeros past each tile's last contributor).
        let recordCount = Int(GS_INSTANCE_GRADS) * m
        var instances = [Float](unsafeUninitializedCapacity: recordCount) { _, count in count = recordCount }
        let tiles = r.ranges.count / 2
        instances.withUnsafeMutableBufferPointer { s in dDepth.withOptionalBuffer { pDepth in
            let ps = s.baseAddress
            parallelFor(tiles, chunk: 2) { lo, hi in
                gs_rasterize_bwd(r.splats, r.ranges, r.ids, Int32(w), Int32(h),
                                 Int32(r.tilesX), r.settings.alphaMin, background, r.finalT, r.contributors, dRGB, dAlpha ?? zeros, pDepth,
                                 Int64(lo), Int64(hi), ps)
            }
        } }
        var dMeans2d = [Float](repeating: 0, count: 2 * n), dConics = [Float](repeating: 0, count: 3 * n)
        var dOpacities = [Float](repeating: 0, count: n), dColours = [Float](repeating: 0, count: 3 * n)
        var dDepths = [Float](repeating: 0, count: n)
        dMeans2d.withUnsafeMutableBufferPointer { m2 in dConics.withUnsafeMutableBufferPointer { co in
            dOpacities.withUnsafeMutableBufferPointer { op in dColours.withUnsafeMutableBufferPointer { cl in
                dDepths.withUnsafeMutableBufferPointer { de in
                    let (pm2, pco, pop, pcl, pde) = (m2.baseAddress, co.baseAddress, op.baseAddress, cl.baseAddress, de.baseAddress)
                    // The five output groups split over the cores (two cores: 5 + 5 floats an entry each).
                    parallelChunks(5, chunks: Parallel.threads) { _, lo, hi in
                        gs_reduce_instances(r.ids, instances, Int64(m), Int32(lo), Int32(hi), pm2, pco, pop, pcl, pde)
                    }
                }
            } }
        } }

        var out = GaussianGradients(means: [Float](repeating: 0, count: 3 * n), logScales: [Float](repeating: 0, count: 3 * n),
                                    quaternions: [Float](repeating: 0, count: 4 * n), opacityLogits: [Float](repeating: 0, count: n),
                                    sh: [Float](repeating: 0, count: g.sh.count), means2d: dMeans2d)
        let c = r.camera.centre, centre = [c.x, c.y, c.z]
        out.means.withUnsafeMutableBufferPointer { dm in out.logScales.withUnsafeMutableBufferPointer { ds in
            out.quaternions.withUnsafeMutableBufferPointer { dq in out.opacityLogits.withUnsafeMutableBufferPointer { dl in
                out.sh.withUnsafeMutableBufferPointer { dsh in
                    let (pm, ps, pq, pl, psh) = (dm.baseAddress, ds.baseAddress, dq.baseAddress, dl.baseAddress, dsh.baseAddress)
                    withUnsafePointer(to: r.kernelCamera) { pcam in
                        parallelFor(n, grain: 2048) { lo, hi in
                            gs_project_bwd(g.means, g.logScales, g.quaternions, g.opacityLogits, pcam, Int64(lo), Int64(hi), r.radii,
                                           dMeans2d, dConics, dDepths, dOpacities, pm, ps, pq, pl)
                            gs_sh_bwd(g.sh, Int32(g.shCoefficients), Int32(r.activeDegree), g.means, centre, Int64(lo), Int64(hi),
                                      dColours, psh, pm)
                        }
                    }
                }
            } }
        } }
        return out
    }
}

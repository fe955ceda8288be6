import Geometry
import Synth
import XCTest

final class StudioLightingTests: XCTestCase {
    let rig = StudioLighting(lights: [.init(direction: SIMD3(0, 0, 1), intensity: 0.8)], ambient: 0.2, specular: 0.1, shininess: 16)

    /// Lambert: full light facing the light, ambient only facing away; the highlight peaks where the
    /// half vector meets the normal (viewer and light both on +z).
    func testDiffuseAndSpecularFollowTheNormal() {
        let albedo = SIMD3<Float>(0.5, 0.4, 0.3), viewer = SIMD3<Float>(0, 0, 1)
        let facing = rig.shade(albedo: albedo, normal: SIMD3(0, 0, 1), toViewer: viewer)
        XCTAssertEqual(facing.x, 0.5 * 1.0 + 0.1 * 0.8, accuracy: 1e-6)
        let away = rig.shade(albedo: albedo, normal: SIMD3(0, 0, -1), toViewer: viewer)
        XCTAssertEqual(away.y, 0.4 * 0.2, accuracy: 1e-6)
        let angle: Float = 0.5
        let tilted = rig.shade(albedo: albedo, normal: SIMD3(0, sin(angle), cos(angle)), toViewer: viewer)
        let diffuse: Float = 0.2 + 0.8 * cos(angle), highlight: Float = 0.8 * 0.1 * pow(cos(angle), 16)
        XCTAssertEqual(tilted.z, 0.3 * diffuse + highlight, accuracy: 1e-5)
    }

    /// A square facing the camera and the light shades evenly, with the coverage as alpha.
    func testDeferredShadingOfARasterisedSquare() {
        let camera = Camera(width: 16, height: 16, fx: 16, fy: 16, cx: 8, cy: 8,
                            cameraToWorldOpenGL: Camera.orbitPose(azimuth: 0, elevation: 0, distance: 3))
        let corners: [SIMD3<Float>] = [SIMD3(-1, -1, 0), SIMD3(1, -1, 0), SIMD3(1, 1, 0), SIMD3(-1, 1, 0)]
        let attributes = corners.flatMap { p -> [Float] in [0.6, 0.6, 0.6, 0, 0, 1, p.x, p.y, p.z] }
        let mesh = Mesh(positions: corners.flatMap { [$0.x, $0.y, $0.z] }, triangles: [0, 1, 2, 0, 2, 3], attributes: attributes, channels: 9)
        let image = rig.image(of: TriangleRasterizer.render(mesh, camera: camera), camera: camera)
        XCTAssertEqual(image[8, 8, 3], 1)
        XCTAssertEqual(image[0, 0, 3], 0)
        // Centre: normal = viewer = light direction, so diffuse 1 and a full highlight (sRGB-encoded).
        XCTAssertEqual(image[8, 8, 0], StudioLighting.encodeSRGB(0.6 + 0.08), accuracy: 2e-3)
        XCTAssertEqual(StudioLighting.encodeSRGB(0.68), 0.8434, accuracy: 1e-4, "the sRGB curve")
    }
}

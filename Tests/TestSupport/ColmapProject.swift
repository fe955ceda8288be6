import Foundation
import Imaging

extension Fixtures {
    /// A COLMAP project in a fresh directory: the binary model of Tests/Fixtures/colmap (pycolmap's,
    /// three 40x30 images) as sparse/0 and plain images of one grey `level` in images/.
    public static func colmapProject(level: Float) throws -> String {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/sparse", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path("colmap/binary/sparse/0"), toPath: dir + "/sparse/0")
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        for name in ["001.png", "002.png", "003.png"] {
            try ImageIO.write(Image(width: 40, height: 30, channels: 3, filling: level), to: dir + "/images/" + name)
        }
        return dir
    }
}

import Testing
@testable import Rules

@Suite struct ResourceParsingTests {
    @Test(arguments: [("512M", 512), ("4G", 4096), ("1.5G", 1536), ("2T", 2 * 1024 * 1024), ("100", 100), ("8gb", 8192)])
    func memorySizes(text: String, megabytes: Int) throws {
        #expect(try parseMemory(text) == megabytes)
    }

    @Test(arguments: ["", "lots", "-4G", "0", "4X", "1e30T"])
    func badMemoryIsRejectedWithAnExample(text: String) {
        #expect { try parseMemory(text) } throws: { "\($0)".contains("\"4G\"") }
    }

    @Test(arguments: [("6:00:00", 21600), ("90m", 5400), ("2h", 7200), ("30", 1800), ("1-12:00:00", 129600),
                      ("05:30", 330), ("45s", 45)])
    func durations(text: String, seconds: Int) throws {
        #expect(try parseTime(text) == seconds)
    }

    @Test(arguments: ["", "soon", "1:2:3:4", "-5m", "0", "400d"])
    func badDurationsAreRejected(text: String) {
        #expect(throws: ResourceError.self) { try parseTime(text) }
    }

    @Test(arguments: [("a//b/./c", "a/b/c"), ("./x", "x"), ("a/../b", "b"), ("../x", "../x"), ("/abs//p/", "/abs/p/"), ("a/b/..", "a"),
                      ("a/b/", "a/b/"), ("a/./b//", "a/b/"), ("a/.", "a"), ("a/./b", "a/b"), (".hidden/x", ".hidden/x"), ("a/.../b", "a/.../b"),
                      ("a./b..", "a./b.."), ("catalogs/r7/mock_s3.h5", "catalogs/r7/mock_s3.h5"), ("..", ".."), (".", ".")])
    /// (A trailing "/" marks a folder product, `dir`: kept, once.)
    func pathsAreNormalised(raw: String, normal: String) {
        #expect(normalizedPath(raw) == normal)
    }

    @Test func paddedNumbers() {
        #expect(padded(7, width: 3) == "007")
        #expect(padded(1234, width: 3) == "1234")
    }
}

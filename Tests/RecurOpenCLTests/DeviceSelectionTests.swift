import COpenCL
@testable import RecurOpenCL
import Testing

/// Device requests and the errors around them; no device needed.
@Suite struct DeviceRequests {
    static let machine: [(name: String, kind: Device.Kind)] = [
        ("pthread-skylake-avx512-AMD EPYC", .cpu),
        ("NVIDIA H100 80GB HBM3", .gpu),
        ("Intel(R) UHD Graphics", .gpu),
    ]

    func choose(_ request: String?, among devices: [(name: String, kind: Device.Kind)] = machine) throws(OpenCLError) -> Int {
        try DeviceSelection.choose(among: devices, request: request)
    }

    @Test func theDefaultIsTheFirstGPUElseTheFirstCPU() throws {
        #expect(try choose(nil) == 1)
        #expect(try choose("") == 1)
        #expect(try choose("  ") == 1)
        #expect(try choose(nil, among: [("Accelerator", .accelerator), ("POCL CPU", .cpu)]) == 1)
        #expect(try choose(nil, among: [("Accelerator", .accelerator)]) == 0)
    }

    @Test func aRequestIsAnIndexOrPartOfAName() throws {
        #expect(try choose("0") == 0)
        #expect(try choose("2") == 2)
        #expect(try choose("h100") == 1)
        #expect(try choose("EPYC") == 0)
        #expect(try choose(" uhd ") == 2)
        #expect(try choose("nvidia h100") == 1)
    }

    @Test func aRequestMatchingNothingListsTheDevices() {
        let names = Self.machine.map(\.name)
        #expect(thrownError { () throws(OpenCLError) in _ = try choose("3") } == .noDevice(request: "3", available: names))
        #expect(thrownError { () throws(OpenCLError) in _ = try choose("radeon") } == .noDevice(request: "radeon", available: names))
        #expect(thrownError { () throws(OpenCLError) in _ = try choose(nil, among: []) } == .noDevice(request: "default", available: []))
        let message = OpenCLError.noDevice(request: "radeon", available: names).description
        #expect(message.contains("\"radeon\""))
        #expect(message.contains("  1: NVIDIA H100 80GB HBM3"))
    }

    @Test func noInstalledDriverIsNoPlatform() {
        #expect(thrownError { () throws(OpenCLError) in try Platform.checkPlatformQuery(status: CL_PLATFORM_NOT_FOUND_KHR, count: 0) } == .noPlatform)
        #expect(thrownError { () throws(OpenCLError) in try Platform.checkPlatformQuery(status: CL_SUCCESS, count: 0) } == .noPlatform)
        #expect(thrownError { () throws(OpenCLError) in try Platform.checkPlatformQuery(status: CL_OUT_OF_HOST_MEMORY, count: 0) }
            == .call("clGetPlatformIDs", CLStatus(CL_OUT_OF_HOST_MEMORY)))
        #expect((try? Platform.checkPlatformQuery(status: CL_SUCCESS, count: 1)) != nil)

        let message = OpenCLError.noPlatform.description
        #expect(message.contains("apt-get install pocl-opencl-icd ocl-icd-opencl-dev"))
        #expect(message.contains("--backend cpu"))
    }
}

@Suite struct ErrorMessages {
    @Test func statusesHaveTheirNames() {
        #expect(CLStatus(-5).description == "CL_OUT_OF_RESOURCES (-5)")
        #expect(CLStatus(CL_BUILD_PROGRAM_FAILURE).name == "CL_BUILD_PROGRAM_FAILURE")
        #expect(CLStatus(CL_INVALID_DEVICE_PARTITION_COUNT).name == "CL_INVALID_DEVICE_PARTITION_COUNT")
        #expect(CLStatus(CL_KERNEL_ARG_INFO_NOT_AVAILABLE).name == "CL_KERNEL_ARG_INFO_NOT_AVAILABLE")
        #expect(CLStatus(-1001).name == "CL_PLATFORM_NOT_FOUND_KHR")
        #expect(CLStatus(-9999).name == "unknown OpenCL status")
        // Every OpenCL 1.2 code: 0 to -19, -30 to -68, and the loader's -1001.
        #expect(CLStatus.names.count == 20 + 39 + 1)
        #expect(OpenCLError.call("clFinish", CLStatus(-5)).description == "clFinish failed: CL_OUT_OF_RESOURCES (-5)")
    }

    @Test func outOfMemoryNamesTheSizeAndDevice() {
        let error = OpenCLError.outOfDeviceMemory(requestedBytes: 6 << 30, device: "pthread-EPYC", reason: "the device's largest single allocation is 4 GiB")
        #expect(error.description == "cannot allocate 6.00 GiB (6442450944 bytes) on pthread-EPYC: the device's largest single allocation is 4 GiB")
    }

    @Test func buildOptionsAreSortedAndChecked() throws {
        #expect(try BuildOptions().string == "-cl-std=CL1.2")
        #expect(try BuildOptions(defines: ["B": "2", "A": "1"]).string == "-cl-std=CL1.2 -D A=1 -D B=2")
        #expect(try BuildOptions(defines: ["B": "2", "A": "1"]) == BuildOptions(defines: ["A": "1", "B": "2"]))
        expectInvalidArgument { () throws(OpenCLError) in _ = try BuildOptions(defines: ["1A": "1"]) }
        expectInvalidArgument { () throws(OpenCLError) in _ = try BuildOptions(defines: ["A": "1 -D B"]) }
    }
}

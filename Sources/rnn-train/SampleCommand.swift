import ArgumentParser
struct SampleCommand: ParsableCommand { func run() throws {} }

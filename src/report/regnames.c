#include "report/regnames.h"

static const char *const x64_regs[DS_MAX_REGS] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11",
    "r12", "r13", "r14", "r15", "rip", "rflags"};
static const char *const x86_regs[DS_MAX_REGS] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", [16] = "eip", [17] = "eflags"};
static const char *const arm64_regs[DS_MAX_REGS] = {
    "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",  "x10", "x11",
    "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
    "x24", "x25", "x26", "x27", "x28", "fp",  "lr",  "sp",  "pc",  "cpsr"};
static const char *const arm_regs[DS_MAX_REGS] = {
    "r0", "r1", "r2",  "r3",  "r4", "r5", "r6", "r7", "r8",
    "r9", "r10", "r11", "r12", "sp", "lr", "pc", "cpsr"};

const char *ds_reg_name(ds_arch arch, unsigned i)
{
    if (i >= DS_MAX_REGS)
        return NULL;
    switch (arch) {
    case DS_ARCH_X64: return x64_regs[i];
    case DS_ARCH_X86: return x86_regs[i];
    case DS_ARCH_ARM64: return arm64_regs[i];
    case DS_ARCH_ARM: return arm_regs[i];
    default: return NULL;
    }
}

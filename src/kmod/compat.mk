# SPDX-License-Identifier: GPL-2.0
# compat.mk - header probes for compat.h, included by every Kbuild that
# compiles a file including it (riptel.ko, the test modules).
#
# Probe the target's headers rather than trust a version number: stable and
# distribution kernels backport.  $(call riptel-have,PATTERN,HEADER,MACRO)
# defines MACRO when HEADER mentions PATTERN; compat.h uses the result.
riptel-have = $(shell grep -qs '$(1)' $(srctree)/include/$(2) && echo -D$(3))
ccflags-y += $(call riptel-have,void vm_flags_set,linux/mm.h,RIPTEL_HAVE_VM_FLAGS_SET)

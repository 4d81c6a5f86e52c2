/* test_device.c - device open errors, info checks and the messages users see. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "device.h"

static char msg[512];

static const char *describe(const char *path, int err, enum device_step step,
			    uint32_t kernel_abi, uint32_t cpu)
{
	struct device_diag d = { .step = step, .kernel_abi = kernel_abi,
				 .cpu = cpu };

	device_describe_error(msg, sizeof(msg), path, err, &d);
	return msg;
}

static struct riptel_info good_info(void)
{
	return (struct riptel_info){
		.abi_version = RIPTEL_ABI_VERSION,
		.record_size = RIPTEL_RECORD_SIZE,
		.nr_cpus = 4,
		.page_size = 4096,
		.data_size = 1 << 20,
		.watermark = 4096,
		.flush_ms = 100,
	};
}

START_TEST(test_open_missing)
{
	struct device_diag diag;
	struct device *d = (void *)1;
	int ret;

	ret = device_open(&d, "/nonexistent/riptel", &diag);
	ck_assert_int_eq(ret, -ENOENT);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(diag.step, DEVICE_STEP_OPEN);
	device_describe_error(msg, sizeof(msg), "/nonexistent/riptel", ret,
			      &diag);
	ck_assert_str_eq(msg, "/nonexistent/riptel not found: is the riptel "
			 "module loaded? (modprobe riptel)");
}
END_TEST

START_TEST(test_open_not_riptel)
{
	struct device_diag diag;
	struct device *d;
	int ret;

	/* a device that is not ours fails at the very first ioctl */
	ret = device_open(&d, "/dev/null", &diag);
	ck_assert_int_eq(ret, -ENOTTY);
	ck_assert_int_eq(diag.step, DEVICE_STEP_ABI);
	device_describe_error(msg, sizeof(msg), "/dev/null", ret, &diag);
	ck_assert_ptr_nonnull(strstr(msg, "/dev/null is not a riptel device"));
	device_close(NULL);
}
END_TEST

START_TEST(test_messages)
{
	ck_assert_str_eq(describe(NULL, -ENOENT, DEVICE_STEP_OPEN, 0, 0),
			 "/dev/riptel not found: is the riptel module loaded? "
			 "(modprobe riptel)");
	ck_assert_ptr_nonnull(strstr(describe(NULL, -EACCES, DEVICE_STEP_OPEN,
					      0, 0),
				     "permission denied: run riptel-agent as root"));
	ck_assert_ptr_nonnull(strstr(describe(NULL, -EPERM, DEVICE_STEP_OPEN,
					      0, 0),
				     "permission denied"));
	ck_assert_ptr_nonnull(strstr(describe(NULL, -EBUSY, DEVICE_STEP_OPEN,
					      0, 0),
				     "another reader holds it"));
	/* both versions, and what to do */
	ck_assert_str_eq(describe("/dev/riptel", -EPROTO, DEVICE_STEP_ABI, 7, 0),
			 "/dev/riptel: ABI version mismatch: the riptel module "
			 "speaks ABI 7, this riptel-agent speaks ABI 2: install "
			 "the agent and module from the same riptel release");
	ck_assert_ptr_nonnull(strstr(describe(NULL, -EBUSY, DEVICE_STEP_MMAP,
					      0, 3),
				     "CPU 3's ring is busy"));
	ck_assert_ptr_nonnull(strstr(describe(NULL, -EPROTO, DEVICE_STEP_RING,
					      0, 2),
				     "CPU 2's producer page does not match"));
	ck_assert_ptr_nonnull(strstr(describe(NULL, -EINVAL, DEVICE_STEP_INFO,
					      0, 0),
				     "impossible ring layout"));
	/* a tiny buffer is still terminated */
	{
		struct device_diag d = { .step = DEVICE_STEP_OPEN };

		device_describe_error(msg, 8, NULL, -ENOENT, &d);
		ck_assert_uint_eq(strlen(msg), 7);
	}
}
END_TEST

START_TEST(test_check_info)
{
	struct riptel_info i = good_info();

	ck_assert_int_eq(device_check_info(&i, 4096), 0);
	i.abi_version = RIPTEL_ABI_VERSION + 1;
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i.abi_version = 1;	/* not driven (yet): see device_abis[] */
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i = good_info();
	i.nr_rings = i.nr_cpus + 1;	/* more rings than CPUs */
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i.nr_rings = i.nr_cpus;
	ck_assert_int_eq(device_check_info(&i, 4096), 0);
	i = good_info();
	i.record_size = 64;
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i = good_info();
	i.nr_cpus = 0;
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i = good_info();
	ck_assert_int_eq(device_check_info(&i, 16384), -EINVAL);
	i.data_size = 3 << 20;	/* not a power of two */
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i.data_size = 2048;	/* below a page */
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i.data_size = RIPTEL_MAX_DATA_SIZE * 2;	/* past its mmap region */
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
	i.data_size = RIPTEL_MAX_DATA_SIZE;
	ck_assert_int_eq(device_check_info(&i, 4096), 0);
	i.data_size = 0;
	ck_assert_int_eq(device_check_info(&i, 4096), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("device");
	TCase *tc = tcase_create("device");

	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_not_riptel);
	tcase_add_test(tc, test_messages);
	tcase_add_test(tc, test_check_info);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

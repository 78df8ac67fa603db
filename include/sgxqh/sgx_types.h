/*
 * SGX structures and status codes with the byte layouts of Intel's SDK and
 * DCAP headers (sgx_report.h, sgx_quote.h, sgx_error.h). The names are
 * Intel's, so that code written against Intel's headers compiles against
 * these. Every field is naturally aligned; the sizes and offsets are
 * asserted below.
 */
#ifndef SGXQH_SGX_TYPES_H
#define SGXQH_SGX_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _status_t {
	SGX_SUCCESS = 0x0000,
	SGX_ERROR_UNEXPECTED = 0x0001,
	SGX_ERROR_INVALID_PARAMETER = 0x0002,
	SGX_ERROR_OUT_OF_MEMORY = 0x0003,
	SGX_ERROR_ENCLAVE_LOST = 0x0004,
	SGX_ERROR_OUT_OF_EPC = 0x2005,
	SGX_ERROR_NO_DEVICE = 0x2006,
	SGX_ERROR_MAC_MISMATCH = 0x3001,
	SGX_ERROR_SERVICE_UNAVAILABLE = 0x4001,
	SGX_ERROR_SERVICE_TIMEOUT = 0x4002,
	SGX_ERROR_AE_INVALID_EPIDBLOB = 0x4003,
	SGX_ERROR_SERVICE_INVALID_PRIVILEGE = 0x4004,
	SGX_ERROR_EPID_MEMBER_REVOKED = 0x4005,
	SGX_ERROR_UPDATE_NEEDED = 0x4006,
	SGX_ERROR_NETWORK_FAILURE = 0x4007,
	SGX_ERROR_AE_SESSION_INVALID = 0x4008,
	SGX_ERROR_BUSY = 0x400a,
	SGX_ERROR_UNRECOGNIZED_PLATFORM = 0x4012,
	SGX_ERROR_UNSUPPORTED_CONFIG = 0x4013,
	SGX_ERROR_UNSUPPORTED_ATT_KEY_ID = 0x8001,
	SGX_ERROR_ATT_KEY_CERTIFICATION_FAILURE = 0x8002,
	SGX_ERROR_ATT_KEY_UNINITIALIZED = 0x8003,
	SGX_ERROR_INVALID_ATT_KEY_CERT_DATA = 0x8004,
	SGX_ERROR_PLATFORM_CERT_UNAVAILABLE = 0x8005,
} sgx_status_t;

#define SGX_CPUSVN_SIZE         16
#define SGX_HASH_SIZE           32
#define SGX_REPORT_DATA_SIZE    64
#define SGX_CONFIGID_SIZE       64
#define SGX_ISVEXT_PROD_ID_SIZE 16
#define SGX_ISV_FAMILY_ID_SIZE  16
#define SGX_KEYID_SIZE          32
#define SGX_MAC_SIZE            16
#define SGX_TARGET_INFO_SIZE    512
#define SGX_REPORT_BODY_SIZE    384
#define SGX_REPORT_SIZE         432
#define SGX_ATT_KEY_ID_SIZE     256
#define SGX_QL_ATT_KEY_ID_SIZE  158
#define SGX_QE_REPORT_INFO_SIZE 960
#define SGX_QL_MAX_ATT_KEY_IDS  10

/* Attribute flags (sgx_attributes_t.flags). */
#define SGX_FLAGS_INITTED        0x0000000000000001ULL
#define SGX_FLAGS_DEBUG          0x0000000000000002ULL
#define SGX_FLAGS_MODE64BIT      0x0000000000000004ULL
#define SGX_FLAGS_PROVISION_KEY  0x0000000000000010ULL
#define SGX_FLAGS_EINITTOKEN_KEY 0x0000000000000020ULL
#define SGX_FLAGS_KSS            0x0000000000000080ULL

/* sgx_ql_att_key_id_t.algorithm_id */
#define SGX_QL_ALG_EPID       0
#define SGX_QL_ALG_RESERVED_1 1
#define SGX_QL_ALG_ECDSA_P256 2
#define SGX_QL_ALG_ECDSA_P384 3

typedef struct _sgx_cpu_svn_t {
	uint8_t svn[SGX_CPUSVN_SIZE];
} sgx_cpu_svn_t;

typedef struct _sgx_measurement_t {
	uint8_t m[SGX_HASH_SIZE];
} sgx_measurement_t;

typedef struct _attributes_t {
	uint64_t flags;
	uint64_t xfrm;
} sgx_attributes_t;

typedef struct _sgx_report_data_t {
	uint8_t d[SGX_REPORT_DATA_SIZE];
} sgx_report_data_t;

typedef struct _key_id_t {
	uint8_t id[SGX_KEYID_SIZE];
} sgx_key_id_t;

typedef uint32_t sgx_misc_select_t;
typedef uint16_t sgx_prod_id_t;
typedef uint16_t sgx_isv_svn_t;
typedef uint16_t sgx_config_svn_t;
typedef uint8_t sgx_config_id_t[SGX_CONFIGID_SIZE];
typedef uint8_t sgx_isvext_prod_id_t[SGX_ISVEXT_PROD_ID_SIZE];
typedef uint8_t sgx_isvfamily_id_t[SGX_ISV_FAMILY_ID_SIZE];
typedef uint8_t sgx_mac_t[SGX_MAC_SIZE];

typedef struct _target_info_t {
	sgx_measurement_t mr_enclave;
	sgx_attributes_t attributes;
	uint8_t reserved1[2];
	sgx_config_svn_t config_svn;
	sgx_misc_select_t misc_select;
	uint8_t reserved2[8];
	sgx_config_id_t config_id;
	uint8_t reserved3[384];
} sgx_target_info_t;

typedef struct _report_body_t {
	sgx_cpu_svn_t cpu_svn;
	sgx_misc_select_t misc_select;
	uint8_t reserved1[12];
	sgx_isvext_prod_id_t isv_ext_prod_id;
	sgx_attributes_t attributes;
	sgx_measurement_t mr_enclave;
	uint8_t reserved2[32];
	sgx_measurement_t mr_signer;
	uint8_t reserved3[32];
	sgx_config_id_t config_id;
	sgx_prod_id_t isv_prod_id;
	sgx_isv_svn_t isv_svn;
	sgx_config_svn_t config_svn;
	uint8_t reserved4[42];
	sgx_isvfamily_id_t isv_family_id;
	sgx_report_data_t report_data;
} sgx_report_body_t;

typedef struct _report_t {
	sgx_report_body_t body;
	sgx_key_id_t key_id;
	sgx_mac_t mac;
} sgx_report_t;

typedef struct _att_key_id_t {
	uint8_t att_key_id[SGX_ATT_KEY_ID_SIZE];
} sgx_att_key_id_t;

#pragma pack(push, 1)
typedef struct _sgx_ql_att_key_id_t {
	uint16_t id;
	uint16_t version;
	uint16_t mrsigner_length;
	uint8_t mrsigner[48];
	uint32_t prod_id;
	uint8_t extended_prod_id[16];
	uint8_t config_id[64];
	uint8_t family_id[16];
	uint32_t algorithm_id;
} sgx_ql_att_key_id_t;

typedef struct _sgx_att_key_id_ext_t {
	sgx_ql_att_key_id_t base;
	uint8_t spid[16];
	uint16_t att_key_type;
	uint8_t reserved[80];
} sgx_att_key_id_ext_t;

typedef struct _sgx_ql_att_key_id_list_header_t {
	uint16_t id;
	uint16_t version;
	uint32_t num_att_ids;
} sgx_ql_att_key_id_list_header_t;

typedef struct _qe_report_info_t {
	uint8_t nonce[16];
	sgx_target_info_t app_enclave_target_info;
	sgx_report_t qe_report;
} sgx_qe_report_info_t;
#pragma pack(pop)

typedef sgx_qe_report_info_t sgx_ql_qe_report_info_t;

#define SGXQH_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " size")
#define SGXQH_ASSERT_OFF(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field)

SGXQH_ASSERT_SIZE(sgx_target_info_t, SGX_TARGET_INFO_SIZE);
SGXQH_ASSERT_OFF(sgx_target_info_t, mr_enclave, 0);
SGXQH_ASSERT_OFF(sgx_target_info_t, attributes, 32);
SGXQH_ASSERT_OFF(sgx_target_info_t, config_svn, 50);
SGXQH_ASSERT_OFF(sgx_target_info_t, misc_select, 52);
SGXQH_ASSERT_OFF(sgx_target_info_t, config_id, 64);
SGXQH_ASSERT_OFF(sgx_target_info_t, reserved3, 128);

SGXQH_ASSERT_SIZE(sgx_report_body_t, SGX_REPORT_BODY_SIZE);
SGXQH_ASSERT_OFF(sgx_report_body_t, cpu_svn, 0);
SGXQH_ASSERT_OFF(sgx_report_body_t, misc_select, 16);
SGXQH_ASSERT_OFF(sgx_report_body_t, isv_ext_prod_id, 32);
SGXQH_ASSERT_OFF(sgx_report_body_t, attributes, 48);
SGXQH_ASSERT_OFF(sgx_report_body_t, mr_enclave, 64);
SGXQH_ASSERT_OFF(sgx_report_body_t, mr_signer, 128);
SGXQH_ASSERT_OFF(sgx_report_body_t, config_id, 192);
SGXQH_ASSERT_OFF(sgx_report_body_t, isv_prod_id, 256);
SGXQH_ASSERT_OFF(sgx_report_body_t, isv_svn, 258);
SGXQH_ASSERT_OFF(sgx_report_body_t, config_svn, 260);
SGXQH_ASSERT_OFF(sgx_report_body_t, isv_family_id, 304);
SGXQH_ASSERT_OFF(sgx_report_body_t, report_data, 320);

SGXQH_ASSERT_SIZE(sgx_report_t, SGX_REPORT_SIZE);
SGXQH_ASSERT_OFF(sgx_report_t, key_id, 384);
SGXQH_ASSERT_OFF(sgx_report_t, mac, 416);

SGXQH_ASSERT_SIZE(sgx_att_key_id_t, SGX_ATT_KEY_ID_SIZE);
SGXQH_ASSERT_SIZE(sgx_ql_att_key_id_t, SGX_QL_ATT_KEY_ID_SIZE);
SGXQH_ASSERT_OFF(sgx_ql_att_key_id_t, mrsigner_length, 4);
SGXQH_ASSERT_OFF(sgx_ql_att_key_id_t, mrsigner, 6);
SGXQH_ASSERT_OFF(sgx_ql_att_key_id_t, prod_id, 54);
SGXQH_ASSERT_OFF(sgx_ql_att_key_id_t, extended_prod_id, 58);
SGXQH_ASSERT_OFF(sgx_ql_att_key_id_t, config_id, 74);
SGXQH_ASSERT_OFF(sgx_ql_att_key_id_t, family_id, 138);
SGXQH_ASSERT_OFF(sgx_ql_att_key_id_t, algorithm_id, 154);
SGXQH_ASSERT_SIZE(sgx_att_key_id_ext_t, SGX_ATT_KEY_ID_SIZE);
SGXQH_ASSERT_OFF(sgx_att_key_id_ext_t, spid, 158);
SGXQH_ASSERT_OFF(sgx_att_key_id_ext_t, att_key_type, 174);
SGXQH_ASSERT_OFF(sgx_att_key_id_ext_t, reserved, 176);
SGXQH_ASSERT_SIZE(sgx_ql_att_key_id_list_header_t, 8);

SGXQH_ASSERT_SIZE(sgx_qe_report_info_t, SGX_QE_REPORT_INFO_SIZE);
SGXQH_ASSERT_OFF(sgx_qe_report_info_t, app_enclave_target_info, 16);
SGXQH_ASSERT_OFF(sgx_qe_report_info_t, qe_report, 528);

#ifdef __cplusplus
}
#endif

#endif

//! User import jobs (CSV), and the upload endpoint behind their `PreSignedUrl`.

mod create_user_import_job;
mod describe_user_import_job;
mod get_csv_header;
mod list_user_import_jobs;
mod start_user_import_job;
mod stop_user_import_job;
pub(crate) mod upload;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(Idp, "GetCSVHeader", get_csv_header::handle);
    r.add(Idp, "CreateUserImportJob", create_user_import_job::handle);
    r.add(Idp, "StartUserImportJob", start_user_import_job::handle);
    r.add(Idp, "StopUserImportJob", stop_user_import_job::handle);
    r.add(
        Idp,
        "DescribeUserImportJob",
        describe_user_import_job::handle,
    );
    r.add(Idp, "ListUserImportJobs", list_user_import_jobs::handle);
}

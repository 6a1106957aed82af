"""CSV user import jobs as Cognito's developer guide runs them: the AWS CLI creates and starts
the job, curl uploads the file to the PreSignedUrl with the guide's exact command, and the
imported users reset their passwords (ForgotPassword with the code from the outbox) and sign
in with boto3."""
import json
import os
import subprocess
import sys
import time
import uuid

import boto3
from botocore import UNSIGNED
from botocore.config import Config

URL = os.environ["TESSERA_URL"]
AWS = os.path.join(os.path.dirname(sys.executable), "aws")


def aws(*args):
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=os.environ["TESSERA_AKID"],
        AWS_SECRET_ACCESS_KEY=os.environ["TESSERA_SECRET"],
        AWS_DEFAULT_REGION="us-east-1",
    )
    out = subprocess.run(
        [AWS, "--endpoint-url", URL, "--output", "json", "cognito-idp", *args],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )
    return json.loads(out.stdout) if out.stdout.strip() else {}


def test_cli_import_job_with_curl_upload(idp, outbox, tmp_path):
    pool = idp.create_user_pool(
        PoolName=f"import-{uuid.uuid4().hex[:8]}", AutoVerifiedAttributes=["email"]
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]

    header = aws("get-csv-header", "--user-pool-id", pool)["CSVHeader"]
    assert header[-3:] == ["cognito:mfa_enabled", "cognito:username", "password_hash"]

    # The template as GetCSVHeader gives it, filled in the guide's way.
    rows = []
    for name, email in [("ana", "ana@example.com"), ("bo", "bo@example.com"), ("cy", "not-an-email")]:
        values = {h: "" for h in header}
        values.update({"cognito:username": name, "email": email, "email_verified": "TRUE",
                       "cognito:mfa_enabled": "FALSE", "name": "Ana Lima\\, MD" if name == "ana" else name})
        rows.append(",".join(values[h] for h in header))
    csv = tmp_path / "users.csv"
    csv.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n")

    job = aws("create-user-import-job", "--job-name", "cli import", "--user-pool-id", pool,
              "--cloud-watch-logs-role-arn", "arn:aws:iam::000000000000:role/CognitoImport")["UserImportJob"]
    assert job["Status"] == "Created"
    # The guide's upload command, verbatim but for the paths.
    up = subprocess.run(
        ["curl", "-v", "-T", str(csv), "-H", "x-amz-server-side-encryption:aws:kms", job["PreSignedUrl"]],
        capture_output=True, text=True, timeout=60,
    )
    assert "We are completely uploaded and fine" in up.stderr, up.stderr
    assert "< HTTP/1.1 200" in up.stderr, up.stderr

    started = aws("start-user-import-job", "--user-pool-id", pool, "--job-id", job["JobId"])["UserImportJob"]
    assert started["Status"] == "Pending"
    for _ in range(200):
        done = aws("describe-user-import-job", "--user-pool-id", pool, "--job-id", job["JobId"])["UserImportJob"]
        if done["Status"] not in ("Pending", "InProgress"):
            break
        time.sleep(0.1)
    assert done["Status"] == "Succeeded", done
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (2, 0, 1)
    assert done["CompletionMessage"] == "Import Job Completed Successfully."
    listed = aws("list-user-import-jobs", "--user-pool-id", pool, "--max-results", "10")["UserImportJobs"]
    assert [j["JobId"] for j in listed] == [job["JobId"]]

    user = idp.admin_get_user(UserPoolId=pool, Username="ana")
    assert user["UserStatus"] == "RESET_REQUIRED"
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["name"] == "Ana Lima, MD"

    public = boto3.client("cognito-idp", endpoint_url=URL, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x",
                          config=Config(signature_version=UNSIGNED))
    try:
        public.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "ana", "PASSWORD": "whatever1A!"})
        raise AssertionError("an imported user signed in without a password")
    except public.exceptions.PasswordResetRequiredException:
        pass
    public.forgot_password(ClientId=client, Username="ana")
    code = outbox.last_code("ana@example.com")
    public.confirm_forgot_password(ClientId=client, Username="ana", ConfirmationCode=code, Password="N3w-password!")
    tokens = public.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "ana", "PASSWORD": "N3w-password!"})
    assert "IdToken" in tokens["AuthenticationResult"]
    idp.delete_user_pool(UserPoolId=pool)

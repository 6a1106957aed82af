"""Generate signed / tampered / wrapped / encrypted SAML Responses for the Rust spikes.

Signing uses signxml (lxml + cryptography): enveloped, exclusive c14n, RSA-SHA256, SHA-256 digest.
Encryption uses python-xmlsec (RSA-OAEP key transport + AES-256-CBC / AES-128-GCM).
"""
import copy, datetime as dt, sys
from lxml import etree
from signxml import XMLSigner, XMLVerifier, SignatureConstructionMethod

D = sys.argv[1] if len(sys.argv) > 1 else "."
NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
      "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
      "ds": "http://www.w3.org/2000/09/xmldsig#",
      "xenc": "http://www.w3.org/2001/04/xmlenc#"}
key = open(f"{D}/idp.key", "rb").read()
cert = open(f"{D}/idp.crt", "rb").read()
evil_key = open(f"{D}/evil.key", "rb").read()
evil_cert = open(f"{D}/evil.crt", "rb").read()

now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
ACS = "http://localhost:9229/saml2/idpresponse"
AUD = "urn:amazon:cognito:sp:us-east-1_TEST"

def response(nameid="alice@example.com", aid="_assert1", nb=now - dt.timedelta(minutes=1),
             na=now + dt.timedelta(minutes=5), aud=AUD, acs=ACS):
    xml = f"""<samlp:Response xmlns:samlp="{NS['samlp']}" xmlns:saml="{NS['saml']}" ID="_resp1" Version="2.0"
 IssueInstant="{iso(now)}" Destination="{ACS}" InResponseTo="_req1">
 <saml:Issuer>http://idp.test/metadata</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="{aid}" Version="2.0" IssueInstant="{iso(now)}">
  <saml:Issuer>http://idp.test/metadata</saml:Issuer>
  <ds:Signature xmlns:ds="{NS['ds']}" Id="placeholder"></ds:Signature>
  <saml:Subject>
   <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{nameid}</saml:NameID>
   <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
    <saml:SubjectConfirmationData InResponseTo="_req1" NotOnOrAfter="{iso(na)}" Recipient="{acs}"/>
   </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotBefore="{iso(nb)}" NotOnOrAfter="{iso(na)}">
   <saml:AudienceRestriction><saml:Audience>{aud}</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AuthnStatement AuthnInstant="{iso(now)}" SessionIndex="_sess1">
   <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
  </saml:AuthnStatement>
  <saml:AttributeStatement>
   <saml:Attribute Name="email"><saml:AttributeValue>{nameid}</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion>
</samlp:Response>"""
    return etree.fromstring(xml.encode())

def sign_assertion(root, k=key, c=cert):
    a = root.find("saml:Assertion", NS)
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256", c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    signed = signer.sign(a, key=k, cert=c, reference_uri=a.get("ID"))
    root.replace(a, signed)
    return root

def write(name, root):
    open(f"{D}/{name}", "wb").write(etree.tostring(root))
    print("wrote", name)

ok = sign_assertion(response())
# sanity: signxml itself accepts it
XMLVerifier().verify(etree.tostring(ok.find("saml:Assertion", NS)), x509_cert=cert.decode())
write("signed.xml", ok)

# 1. tampered: NameID changed after signing
t = copy.deepcopy(ok)
t.find(".//saml:NameID", NS).text = "mallory@example.com"
write("tampered.xml", t)

# 2. unsigned: placeholder removed, no signature at all
u = response(); s = u.find(".//ds:Signature", NS); s.getparent().remove(s)
write("unsigned.xml", u)

# 3. signed with an attacker's key and the attacker's cert embedded in KeyInfo
write("evilkey.xml", sign_assertion(response(), evil_key, evil_cert))

# 4. XSW (different ID): evil unsigned assertion first, original signed one moved into Response/Extensions
w = copy.deepcopy(ok)
good = w.find("saml:Assertion", NS)
evil = copy.deepcopy(good); evil.set("ID", "_evil")
es = evil.find("ds:Signature", NS); evil.remove(es)
evil.find(".//saml:NameID", NS).text = "admin@example.com"
w.remove(good)
ext = etree.SubElement(w, f"{{{NS['samlp']}}}Extensions"); ext.append(good)
w.insert(2, ext); w.insert(3, evil)
write("xsw_extensions.xml", w)

# 5. XSW (signature kept inside evil assertion, signed original hidden inside the Signature's ds:Object)
w2 = copy.deepcopy(ok)
good = w2.find("saml:Assertion", NS)
evil = copy.deepcopy(good); evil.set("ID", "_evil")
evil.find(".//saml:NameID", NS).text = "admin@example.com"
sig = evil.find("ds:Signature", NS)
w2.replace(good, evil)
obj = etree.SubElement(sig, f"{{{NS['ds']}}}Object"); good.remove(good.find("ds:Signature", NS)); obj.append(good)
write("xsw_object.xml", w2)

# 6. XSW (duplicate ID): evil assertion with the SAME ID placed before the signed one
w3 = copy.deepcopy(ok)
good = w3.find("saml:Assertion", NS)
evil = copy.deepcopy(good)
evil.remove(evil.find("ds:Signature", NS)); evil.find(".//saml:NameID", NS).text = "admin@example.com"
w3.insert(list(w3).index(good), evil)
write("xsw_dupid.xml", w3)

# 7. expired conditions (correctly signed)
write("expired.xml", sign_assertion(response(nb=now - dt.timedelta(hours=2), na=now - dt.timedelta(hours=1))))

write("wrong_audience.xml", sign_assertion(response(aud="urn:amazon:cognito:sp:us-east-1_OTHER")))
write("wrong_recipient.xml", sign_assertion(response(acs="https://other.example/saml2/idpresponse")))
wd = sign_assertion(response()); wd.set("Destination", "https://other.example/saml2/idpresponse")
write("wrong_destination.xml", wd)

# 8. encrypted assertion: signed assertion encrypted to the SP cert (RSA-OAEP-MGF1P + AES-256-CBC / AES-128-GCM)
import xmlsec
for alg_name, alg in [("cbc", xmlsec.constants.TransformAes256Cbc), ("gcm", xmlsec.constants.TransformAes128Gcm)]:
    e = copy.deepcopy(ok)
    a = e.find("saml:Assertion", NS)
    ea = etree.SubElement(e, f"{{{NS['saml']}}}EncryptedAssertion"); e.replace(a, ea)
    tmpl = xmlsec.template.encrypted_data_create(ea, alg, type=xmlsec.constants.TypeEncElement, ns="xenc")
    xmlsec.template.encrypted_data_ensure_cipher_value(tmpl)
    ki = xmlsec.template.encrypted_data_ensure_key_info(tmpl, ns="ds")
    ek = xmlsec.template.add_encrypted_key(ki, xmlsec.constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(ek)
    mgr = xmlsec.KeysManager()
    mgr.add_key(xmlsec.Key.from_file(f"{D}/sp.crt", xmlsec.constants.KeyDataFormatCertPem, None))
    ctx = xmlsec.EncryptionContext(mgr)
    ctx.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, 256 if alg_name == "cbc" else 128,
                                  xmlsec.constants.KeyDataTypeSession)
    ea.append(a)
    ctx.encrypt_xml(tmpl, a)
    write(f"encrypted_{alg_name}.xml", e)

# 9. comment injected into a signed NameID (exc-c14n drops comments, so the signature still verifies)
r = sign_assertion(response(nameid="admin@example.com.evil.com"))
s = etree.tostring(r).decode().replace('>admin@example.com.evil.com</saml:NameID>', '>admin@example.com<!---->.evil.com</saml:NameID>')
open(f"{D}/comment_nameid.xml", "w").write(s); print("wrote comment_nameid.xml")

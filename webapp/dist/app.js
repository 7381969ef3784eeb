(()=>{var v,Pe,Pt,O,de,se,Te,ee,Re,_e,pe,Tt,G=Symbol.for("pv"),oe={},ae=[],Rt=/^m(i|n|o|s|text|space)$/,fe=Array.isArray,me=ae.slice,B=Object.assign;function W(e){e&&e.parentNode&&e.remove()}function Ke(e,t,n){var s,i,o,a={},c=arguments.length;for(o in t)o=="key"?s=t[o]:o=="ref"&&typeof e!="function"?i=t[o]:a[o]=t[o];return c>2&&(a.children=c>3?me.call(arguments,2):n),V(e,a,s,i,null)}function V(e,t,n,s,i){var o={type:e,props:t,key:n,ref:s,__k:null,__:null,__b:0,__e:null,__c:null,constructor:G,__v:i||++Pe,__i:-1,__u:0};return!i&&v.vnode&&v.vnode(o),o}function ie(e){return e.children}function te(e,t){this.props=e,this.context=t,this.__g=0}function M(e,t){if(t==null)return e.__&&M(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!="function"||e.props.__P?null:M(e)}function Kt(e){var t,n=e.__v,s=n.__e,i=[],o=[],a=e.__P;a&&((t=B({constructor:G},n)).__v=n.__v+1,v.vnode&&v.vnode(t),he(a,t,n,e.__n,a.namespaceURI,32&n.__u?[s]:null,i,s||M(n),32&n.__u,o),t.__v=n.__v,t.__.__k[t.__i]=t,Be(i,t,o),n.__=n.__e=null,t.__e!=s&&Oe(t))}function Oe(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),Oe(e)}function Ne(e){(8&e.__g||(e.__g|=8,O.push(e),se++))&&de==v.debounceRendering||((de=v.debounceRendering)||queueMicrotask)(Me)}function Me(){try{for(var e,t=1;O.length;)O.length>t&&O.sort(Te),e=O.shift(),t=O.length,8&e.__g&&Kt(e)}finally{(se=O.length)&&(de||queueMicrotask)(Me)}}function qe(e,t,n,s,i,o,a,c,u,f,l){var d,m,r,p,y,h,$=s.__k||ae,b=t.length;for(u=Ot(n,t,$,u,b),d=0;d<b;d++)(r=n.__k[d])!=null&&(m=~r.__i&&$[r.__i]||oe,r.__i=d,h=he(e,r,m,i,o,a,c,u,f,l),p=r.__e,(m.ref!=r.ref||8&m.__u)&&(m.ref&&ye(m.ref,null,r,m),r.ref&&l.push(r.ref,r.__c||p,r)),y=y||p,4&r.__u?(u=Fe(r,u,e,!m.__v),m.__e&&(m.__e=null)):typeof r.type=="function"&&h!==void 0?u=h:p&&(u=p.nextSibling),r.__u&=-21);return n.__e=y,u}function Ot(e,t,n,s,i){var o,a,c,u,f,l,d,m,r,p=n.length,y=p,h=0,$=0,b=e.__k=Array(i);for(o=0;o<i;o++)(a=t[o])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a!="object"||a.constructor===String?a=b[o]=V(null,a):fe(a)?a=b[o]=V(ie,{children:a}):a.constructor===G&&a.__b?a=b[o]=V(a.type,a.props,a.key,a.ref,a.__v):b[o]=a,u=o+h,a.__=e,a.__b=e.__b+1,c=null,~(f=a.__i=Mt(a,n,u,y))&&(y--,(c=n[f])&&(c.__u|=2)),c&&c.__v?(a.__u|=16,f==u-1?h--:f==u+1?h++:f!=u&&(f>u?h--:h++,$=1)):(~f||(i>p?h--:i<p&&h++),typeof a.type!="function"&&(a.__u|=4))):b[o]=null;if($){for(l=[],d=[],o=0;o<i;o++)if((a=b[o])&&16&a.__u){for(h=0,m=l.length;h<m;)l[r=h+m>>1]<a.__i?h=r+1:m=r;l[h]=a.__i,d[o]=h+1}for(h=l.length;o--;)d[o]&&(d[o]==h?h--:b[o].__u|=4)}if(y)for(o=0;o<p;o++)!(c=n[o])||2&c.__u||(c.__e==s&&(s=M(c)),ge(c,c));return s}function Fe(e,t,n,s){var i,o,a,c;if(typeof e.type=="function"){if(e.props.__P)return t;if(i=e.__k)for(o=0;o<i.length;o++)i[o]&&(i[o].__=e,t=Fe(i[o],t,n,!1));return t}for(t&&!t.parentNode&&(t=M(e))&&!t.parentNode&&(t=null),a=e.__e,c=t;c&&c.nodeType==8;)c=c.nextSibling;for(a!=c&&(!s&&n.moveBefore&&a.parentNode?n.moveBefore(a,t):n.insertBefore(a,t||null)),t=a;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith("$s"););return t}function Mt(e,t,n,s){var i,o=e.key,a=e.type,c=t[n],u=c&&!(2&c.__u);if(c===null&&o==null||u&&o==c.key&&a==c.type)return n;if(s>(u?1:0)){for(i=n-1;i>=0;i--)if((c=t[i])&&!(2&c.__u)&&o==c.key&&a==c.type)return i;for(i=n+1;i<t.length;i++)if((c=t[i])&&!(2&c.__u)&&o==c.key&&a==c.type)return i}return-1}function Le(e,t,n){n==null&&(n=""),t[0]=="-"?e.setProperty(t,n):e[t]=n}function Z(e,t,n,s,i){var o,a;if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof s=="string"&&(e.style.cssText=s=""),s)for(t in s)n&&t in n||Le(e.style,t);if(n)for(t in n)s&&n[t]==s[t]||Le(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")typeof n!="function"&&(n=null),typeof s!="function"&&(s=null),(e.__e||(e.__e={}))[t]=n,n&&s||(a=pe[t]||(pe[t]=qt(t)),(e.__a||(e.__a={}))[t]=_e,o=t!=(t=t.replace(Re,"$1")),(t=t.slice(2))[0]<"a"&&(t=t.toLowerCase()),n?e.addEventListener(t,a,o):e.removeEventListener(t,a,o));else{if(i=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{return void(e[t]=n??"")}catch{}if(typeof n=="function")return;n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n)}}function qt(e){return function(t){var n=this.__e;if(n){if(n=n[e],t[ee]==null)t[ee]=_e++;else if(t[ee]<this.__a[e])return;return n(v.event?v.event(t):t)}}}function he(e,t,n,s,i,o,a,c,u,f){var l,d,m,r,p,y,h,$,b,A,w,ue,De,J,q,Ue,K,F,P=t.type;if(t.constructor!==G)return null;128&n.__u&&(u=32&n.__u,l=n.__c.__z)&&(t.__u|=u,d=o=[],l.nodeType==8?c=ne(l,o):o.push(l),c=o[0]||c),(l=v.__b)&&l(t);e:if(typeof P=="function"){m=a.length;try{if($=t.props,b=(l=P.prototype)&&l.render,A=(l=P.contextType)&&s[l.__c],w=l?A?A.props.value:l.__:s,(r=n.__c)?(t.__c=r,2&r.__g&&(r.__g|=1)):(b?t.__c=r=new P($,w):(t.__c=r=new te($,w),r.constructor=P,r.render=Wt),A&&A.sub(r),r.state||(r.state={}),r.__n=s,r.__g|=8,r.__h=[],r.__k=[]),b&&(r.__s||(r.__s=r.state),P.getDerivedStateFromProps&&(r.__s==r.state&&(r.__s=B({},r.__s)),B(r.__s,P.getDerivedStateFromProps($,r.__s)))),p=r.props,y=r.state,r.__v=t,n.__c){if($!==p&&b&&!P.getDerivedStateFromProps&&r.componentWillReceiveProps&&r.componentWillReceiveProps($,w),t.__v==n.__v&&!(8&r.__g)||!(4&r.__g)&&r.shouldComponentUpdate&&r.shouldComponentUpdate($,r.__s,w)===!1){t.__v!=n.__v&&(r.props=$,r.state=r.__s,r.__g&=-9),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(U){U&&(U.__=t)}),ae.push.apply(r.__h,r.__k),r.__k=[],r.__h.length&&a.push(r),c=M(n);break e}r.componentWillUpdate&&r.componentWillUpdate($,r.__s,w),b&&r.componentDidUpdate&&r.__h.push(function(){r.componentDidUpdate(p,y,h)})}else b&&!P.getDerivedStateFromProps&&r.componentWillMount&&r.componentWillMount(),b&&r.componentDidMount&&r.__h.push(r.componentDidMount);r.context=w,r.props=$,r.__P=e,r.__g&=-5,ue=v.__r,De=b?25:0;do r.__g&=-9,ue&&ue(t),l=r.render(r.props,r.state=r.__s,r.context);while(8&r.__g&&++De<25);b&&(ae.push.apply(r.__h,r.__k),r.__k=[]),r.state=r.__s,r.getChildContext&&(s=B({},s,r.getChildContext())),b&&n.__c&&r.getSnapshotBeforeUpdate&&(h=r.getSnapshotBeforeUpdate(p,y)),J=l&&l.type===ie&&l.key==null?l.props.children:l,$.__P&&(l=c,i=(e=$.__P).namespaceURI,u=o=null,n.props&&n.props.__P!=e&&(n.__k.some(function(U){U&&ge(U,U)}),n.__k=null),c=n.__k?M(n,0):null),c=qe(e,fe(J)?J:[J],t,n,s,i,o,a,c,u,f),$.__P&&(t.__e=null,c=l),t.__u&=-161,d&&d.some(W),r.__h.length&&a.push(r),1&r.__g&&(r.__g&=-4)}catch(U){if(a.length=m,t.__v=null,u||o)if(U&&U.then){if(t.__u|=128|u,o){for(~(K=o.indexOf(c||void 0))||(K=o.length);(F=o[K-1])&&F.nodeType==8;)K--;for(;K<o.length;K++)if(F=o[K])if(o[K]=null,q){if(F==Ue)break}else{if(F.nodeType!=8)break;F.data.startsWith("$s")&&(Ue=ne(q=F))}}if(!q){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;q=c}(l=ne(q=t.__c.__z||(t.__c.__z=q)))?(t.__e=q,c=l):t.__e=c,c=c&&c.nextSibling}else o&&o.some(W);else t.__e=n.__e;t.__k||(t.__k=n.__k||[]),U&&U.then||We(t),v.__e(U,t,n)}}else c=t.__e=Ft(n.__e,t,n,s,i,o,a,u,f,e);return(l=v.diffed)&&l(t),c}function ne(e,t){if(e&&e.nodeType==8&&e.data.startsWith("$s"))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith("$s"))n++;else if(e.data.startsWith("/$s")&&!--n)return e}t&&t.push(e)}}function We(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(We))}function Be(e,t,n){for(var s=0;s<n.length;)ye(n[s++],n[s++],n[s++]);v.__c&&v.__c(t,e),e.some(function(i){try{e=i.__h,i.__h=[],e.some(function(o){o.call(i)})}catch(o){v.__e(o,i.__v)}})}function Ft(e,t,n,s,i,o,a,c,u,f){var l,d,m,r,p,y,h,$,b=n.props||oe,A=t.props,w=t.type;if(w=="svg"?i="http://www.w3.org/2000/svg":w=="math"?i="http://www.w3.org/1998/Math/MathML":i||(i="http://www.w3.org/1999/xhtml"),o){for(l=0;l<o.length;l++)if((p=o[l])&&(w?p.localName==w:p.nodeType==3)){e=p,o[l]=null;break}}if(!e){if($=f.ownerDocument||document,!w)return $.createTextNode(A);e=$.createElementNS(i,w,A.is?A:f),c&&(v.__m&&v.__m(t,o),c=!1),o=null}if(w){if(f=w=="template"&&e.content||e,o=w=="textarea"&&A.defaultValue!=null?null:o&&me.call(f.childNodes),!c&&o)for(b={},l=0;l<e.attributes.length;l++)b[(p=e.attributes[l]).name]=p.value;for(l in b)p=b[l],l=="dangerouslySetInnerHTML"?m=p:l=="children"||l in A||l=="value"&&"defaultValue"in A||l=="checked"&&"defaultChecked"in A||Z(e,l,null,p,i);for(l in A)p=A[l],l=="children"?r=p:l=="dangerouslySetInnerHTML"?d=p:l=="value"?y=p:l=="checked"?h=p:c&&typeof p!="function"||b[l]===p||Z(e,l,p,b[l],i);d?(c||m&&(d.__html==m.__html||d.__html==e.innerHTML)||(e.innerHTML=d.__html),t.__k=[]):(m&&(e.textContent=""),(w=="foreignObject"||i=="http://www.w3.org/1998/Math/MathML"&&Rt.test(w))&&(i="http://www.w3.org/1999/xhtml"),qe(f,fe(r)?r:[r],t,n,s,i,o,a,o?o[0]:n.__k&&M(n,0),c,u),o&&o.some(W)),c&&w!="textarea"||(l="value",w=="progress"&&y==null?e.removeAttribute(l):y==null||y===e[l]&&(w!="progress"||y)||Z(e,l,y,b[l],i),l="checked",h!=null&&h!=e[l]&&Z(e,l,h,b[l],i))}else b===A||c&&e.data==A||(e.data=A);return e}function ye(e,t,n,s){try{typeof e=="function"?t?t.__x=e(t)||1:s&&(s=s.__c||s.__e)&&(t=s.__x)&&(s.__x=null,typeof t=="function"?t():e(null)):e.current=t}catch(i){v.__e(i,n)}}function ge(e,t,n){var s,i,o,a;if(v.unmount&&v.unmount(e),!(s=e.ref)||s.current&&s.current!=e.__e||ye(s,null,t,e),s=e.__c){if(s.componentWillUnmount)try{s.componentWillUnmount()}catch(c){v.__e(c,t)}s.__P=s.__n=null}if(s=e.__k)for(a=0;a<s.length;a++)s[a]&&ge(s[a],t,typeof e.type!="function"||n&&!e.props.__P);!n&&(s=e.__c)&&(s=s.__z)&&(i=ne(s,o=[]))&&(s==e.__e&&o.some(W),W(i),W(s)),n||W(e.__e),e.__e=e.__c=e.__=null}function Wt(e,t,n){return this.constructor(e,n)}function Ye(e,t){var n,s,i,o;v.__&&v.__(e,t),t.nodeType==9&&(t=t.documentElement),s=(n=e&&32&e.__u)?null:t.__k,t.__k=V(ie,{children:[e]}),i=[],o=[],he(t,t.__k,s||oe,oe,t.namespaceURI,s?null:t.firstChild?me.call(t.childNodes):null,i,s?s.__e:t.firstChild,n,o),Be(i,t.__k,o),t.__k.props.children=null}v={__e:function(e,t,n,s){for(var i,o,a;t=t.__;)if((i=t.__c)&&!(1&i.__g)){i.__g|=4;try{if((a=(o=i.constructor)&&o.getDerivedStateFromError)&&i.setState(o.getDerivedStateFromError(e)),i.componentDidCatch&&(i.componentDidCatch(e,s||{}),a=1),a&&8&i.__g)return void(i.__g|=2)}catch(c){e=c}}throw se=0,e}},Pe=0,Pt=function(e){return e!=null&&e.constructor===G},te.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=B({},this.state)),typeof e=="function"&&(e=e(B({},n),this.props)),e&&(B(n,e),this.__v&&(t&&this.__k.push(t),Ne(this)))},te.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),Ne(this))},te.prototype.render=ie,O=[],se=0,Te=function(e,t){return e.__v.__b-t.__v.__b},ee=Symbol(),Re=/(PointerCapture)$|Capture$/i,_e=0,pe={},Tt=0;var z,k,$e,He,be=Object.is,re=0,et=[],ve=[],E=v,Ve=E.__b,Ge=E.__r,je=E.diffed,ze=E.__c,Qe=E.unmount,Xe=E.__;function Ae(e,t){E.__h&&E.__h(k,e,re||t),re=0;var n=k.__H||(k.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function g(e){return re=1,Bt(st,e)}function Bt(e,t,n){var s=Ae(z++,2);if(s.t=e,!s.__c&&(s.__=[n?n(t):st(void 0,t),function(o){var a=(s.__N||s.__)[0],c=s.t(a,o);be(a,c)||(s.__N=[c,s.__[1]],s.__c.setState({}))}],s.__c=k,!k.__f)){k.__f=!0;var i=k.shouldComponentUpdate;k.shouldComponentUpdate=function(o,a,c){var u=this.__H;if(!u)return!0;var f=!1,l=this.props!=o;if(u.__.some(function(m){m.__N&&(f=!0,be(m.__[0],m.__N[0])||(l=!0))}),i){var d=i.call(this,o,a,c);return f?d||l:d}return!f||l}}return s.__}function T(e,t){var n=Ae(z++,3);!E.__s&&nt(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,k.__H.__h.push(n))}function tt(e){return re=5,Yt(function(){return{current:e}},[])}function Yt(e,t){var n=Ae(z++,7);return nt(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function Ht(){var e;do{for(;e=ve.shift();)try{j(e)}catch(n){E.__e(n,{__:(e=e.__P)&&e.__v})}for(;e=et.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(j),t.__h.some(we),t.__h=[]}catch(n){t.__h=[],E.__e(n,e.__v)}}}while(ve.length)}E.__b=function(e){k=null,Ve&&Ve(e)},E.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),Xe&&Xe(e,t)},E.__r=function(e){Ge&&Ge(e),z=0;var t=(k=e.__c).__H;t&&($e==k?k.__h=[]:(t.__h.some(j),t.__h.some(we),z=0),t.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})),$e=k},E.diffed=function(e){je&&je(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Ze(et.push(t)),t.__H.__.some(function(n){n.u&&(n.__H=n.u)})),$e=k=null},E.__c=function(e,t){t.some(function(n){try{n.__h.some(j),n.__h=n.__h.filter(function(s){return!s.__||we(s)})}catch(s){n.__h=[function(){throw s}]}}),ze&&ze(e,t)},E.unmount=function(e){Qe&&Qe(e);var t,n,s=e.__c;s&&s.__H&&(s.__H.__.some(function(i){try{if(i.__P&&i.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}i.__P=n,Ze(ve.push(i))}else j(i)}catch(o){t=o}}),s.__H=void 0,t&&E.__e(t,s.__v))};var Je=typeof requestAnimationFrame=="function";function Vt(e){var t,n=function(){clearTimeout(s),Je&&cancelAnimationFrame(t),setTimeout(e)},s=setTimeout(n,35);Je&&(t=requestAnimationFrame(n))}function Ze(e){e!=1&&He==E.requestAnimationFrame||((He=E.requestAnimationFrame)||Vt)(Ht)}function j(e){var t=k,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),k=t}function we(e){var t=k;e.__c=e.__(),k=t}function nt(e,t){return!e||e.length!=t.length||t.some(function(n,s){return!be(n,e[s])})}function st(e,t){return typeof t=="function"?t(e):t}var ke="keyfob:app:session",Y=null;try{Y=sessionStorage.getItem(ke)}catch{Y=null}var Q={sessionEnded:()=>{},unavailable:()=>{},reachable:()=>{}};function at(e){Object.assign(Q,e)}function xe(){return Y!==null}function it(e){Y=e;try{sessionStorage.setItem(ke,e)}catch{}}function le(){Y=null;try{sessionStorage.removeItem(ke)}catch{}}var X=class extends Error{constructor(t,n,s={}){super(n),this.code=t,this.field=s.field||null,this.retryAfterSeconds=s.retryAfterSeconds||0,this.requestId=s.requestId||null,this.status=s.status||0}},Gt={400:"BAD_REQUEST",401:"UNAUTHENTICATED",403:"FORBIDDEN",413:"PAYLOAD_TOO_LARGE",429:"RATE_LIMITED",503:"UNAVAILABLE"};async function x(e,t={}){let n=Y,s={"Content-Type":"application/json",Accept:"application/json"};n&&(s.Authorization="Bearer "+n);let i;try{i=await fetch("/graphql",{method:"POST",headers:s,body:JSON.stringify({query:e,variables:t}),credentials:"omit",cache:"no-store"})}catch{let d=new X("UNAVAILABLE","Keyfob cannot be reached. Check the connection and try again.");throw Q.unavailable(d),d}let o=null;try{o=await i.json()}catch{o=null}let a=o&&Array.isArray(o.errors)?o.errors[0]:null;if(i.ok&&!a&&o&&o.data)return Q.reachable(),o.data;let c=a&&a.extensions||{},u=Number(c.retryAfterSeconds)||Number(i.headers.get("Retry-After"))||0,f=String(c.code||Gt[i.status]||"INTERNAL"),l=new X(f,a&&typeof a.message=="string"?a.message:"",{field:typeof c.field=="string"?c.field:null,retryAfterSeconds:u,requestId:c.requestId||i.headers.get("X-Request-Id"),status:i.status});throw n&&(i.status===401||f==="UNAUTHENTICATED")&&n===Y?(le(),Q.sessionEnded()):(f==="UNAVAILABLE"||f==="OVERLOADED")&&Q.unavailable(l),l}function Ee(e){let t=String(e||"").trim();if(!t)return"";let n=t[0].toUpperCase()+t.slice(1);return/[.!?]$/.test(n)?n:n+"."}function ot(e){if(!e)return"Wait a moment and try again.";let n=new Date(Date.now()+e*1e3).toLocaleTimeString(void 0,{hour:"2-digit",minute:"2-digit",second:"2-digit"});return`Try again in ${e} second${e===1?"":"s"}, at ${n}.`}function C(e){if(!(e instanceof X))return"Something went wrong in this page. Reload it and try again.";switch(e.code){case"RATE_LIMITED":return"Too many attempts. "+ot(e.retryAfterSeconds);case"UNAVAILABLE":return e.message&&e.status===0?e.message:"Keyfob cannot reach its database right now. Nothing was changed. Try again in a moment.";case"OVERLOADED":return"Keyfob is too busy to answer right now. Nothing was changed. "+ot(e.retryAfterSeconds);case"UNAUTHENTICATED":return e.status===401?"Your session has ended. Log in again.":Ee(e.message)||"Wrong email or password.";case"NOT_FOUND":return"That no longer exists: someone may have deleted it. The list has been refreshed.";case"FORBIDDEN":return"You may not do that. "+Ee(e.message);case"API_ACCESS_DISABLED":return"Your API access is turned off, so you cannot create keys. Ask the account owner to turn it on.";case"POWER_UP_REQUIRED":return"The API Key Restriction Power-Up is off, so everyone may create keys already.";case"INTERNAL":return"Something went wrong on the server"+(e.requestId?` (request id ${e.requestId})`:"")+". Try again.";default:return Ee(e.message)||"The request was refused ("+e.code+")."}}var Ce="id name email role apiAccess account { id name apiKeyRestriction }",rt=`mutation AppLogIn($in: LogInInput!) {
  logIn(input: $in) { token user { ${Ce} } }
}`,lt=`mutation AppSignUp($in: SignUpInput!) {
  signUp(input: $in) { token user { ${Ce} } }
}`,ct="mutation AppLogOut { logOut }",ut=`query AppViewer { viewer { ${Ce} } }`,Se=`query AppKeys($after: String) {
  apiKeys(first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name note last4 createdAt lastUsedAt isDefault access expiresAt status
      previousSecretExpiresAt previousSecretLastUsedAt activeMobileSessions
      leak { reportedAt source url }
      owner { id name email }
      usageByIntegration { integration firstUsedAt lastUsedAt requestCount }
      dailyUsage(days: 30) { requestCount }
    }
  }
}`,dt=`mutation AppCreateKey($in: CreateApiKeyInput!) {
  createApiKey(input: $in) { secret apiKey { id name last4 } }
}`,pt=`mutation AppUpdateKey($in: UpdateApiKeyInput!) {
  updateApiKey(input: $in) { apiKey { id name note access } }
}`,_t=`mutation AppRollKey($in: RollApiKeyInput!) {
  rollApiKey(input: $in) { secret apiKey { id last4 status previousSecretExpiresAt } }
}`,ft=`mutation AppDeleteKey($in: DeleteApiKeyInput!) {
  deleteApiKey(input: $in) { deletedApiKeyId loggedOutMobileSessions }
}`,mt=`query AppUsers {
  account { id apiKeyRestriction users { id name email role apiAccess apiKeyCount } }
}`,ht=`mutation AppSetAccess($in: SetUserApiAccessInput!) {
  setUserApiAccess(input: $in) { user { id apiAccess apiKeyCount } deletedApiKeys loggedOutMobileSessions }
}`,yt=`query AppAudit($after: String) {
  auditEvents(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id action occurredAt actorEmail ip userAgent apiKeyName apiKeyLast4 detail
      targetUser { email }
    }
  }
}`,gt="query AppAccess { account { id apiKeyRestriction } viewer { id apiAccess } }";function S(e){return e?new Date(e).toLocaleString(void 0,{dateStyle:"medium",timeStyle:"short"}):""}function N(e,t,n){return`${e} ${e===1?t:n}`}var $t={FULL:"Full",READ_ONLY:"Read-only"},ce={OWNER:"Owner",ADMIN:"Admin",AGENT:"Agent"};function bt(e){let t=new Date,n=[];for(let s=e-1;s>=0;s--){let i=new Date(Date.UTC(t.getUTCFullYear(),t.getUTCMonth(),t.getUTCDate()-s));n.push(i.toISOString().slice(0,10))}return n}var vt={SIGNED_UP:"Signed up",LOGGED_IN:"Logged in",LOGIN_FAILED:"Log-in failed",LOGGED_OUT:"Logged out",USER_CREATED:"User added",API_KEY_CREATED:"Key created",API_KEY_DELETED:"Key deleted",API_KEY_UPDATED:"Key changed",API_KEY_ROLLED:"Key rolled",API_KEY_LEAKED:"Key leaked",API_ACCESS_CHANGED:"API access changed",POWER_UP_CHANGED:"Power-Up switched",MOBILE_SESSIONS_LOGGED_OUT:"Mobile sessions logged out"},wt=[{seconds:0,label:"Now"},{seconds:3600,label:"In 1 hour"},{seconds:86400,label:"In 24 hours"},{seconds:604800,label:"In 7 days"}],At=[{value:"never",label:"Never",days:null},{value:"30",label:"In 30 days",days:30},{value:"90",label:"In 90 days",days:90},{value:"365",label:"In 1 year",days:365},{value:"date",label:"On a date…",days:null}];function Et(e,t){if(e==="never")return null;if(e==="date"){let s=/^(\d{4})-(\d{2})-(\d{2})$/.exec(t||"");return s?new Date(Number(s[1]),Number(s[2])-1,Number(s[3])+1).toISOString():void 0}let n=Number(e);return new Date(Date.now()+n*86400*1e3).toISOString()}var xt=function(e,t,n,s){var i;t[0]=0;for(var o=1;o<t.length;o++){var a=t[o++],c=t[o]?(t[0]|=a?1:2,n[t[o++]]):t[++o];a===3?s[0]=c:a===4?s[1]=Object.assign(s[1]||{},c):a===5?(s[1]=s[1]||{})[t[++o]]=c:a===6?s[1][t[++o]]+=c+"":a?(i=e.apply(c,xt(e,c,n,["",null])),s.push(i),c[0]?t[0]|=2:(t[o-2]=0,t[o]=i)):s.push(c)}return s},kt=new Map;function Ct(e){var t=kt.get(this);return t||(t=new Map,kt.set(this,t)),(t=xt(this,t.get(e)||(t.set(e,t=(function(n){for(var s,i,o=1,a="",c="",u=[0],f=function(m){o===1&&(m||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?u.push(0,m,a):o===3&&(m||a)?(u.push(3,m,a),o=2):o===2&&a==="..."&&m?u.push(4,m,0):o===2&&a&&!m?u.push(5,0,!0,a):o>=5&&((a||!m&&o===5)&&(u.push(o,0,a,i),o=6),m&&(u.push(o,m,0,i),o=6)),a=""},l=0;l<n.length;l++){l&&(o===1&&f(),f(l));for(var d=0;d<n[l].length;d++)s=n[l][d],o===1?s==="<"?(f(),u=[u],o=3):a+=s:o===4?a==="--"&&s===">"?(o=1,a=""):a=s+a[0]:c?s===c?c="":a+=s:s==='"'||s==="'"?c=s:s===">"?(f(),o=1):o&&(s==="="?(o=5,i=a,a=""):s==="/"&&(o<5||n[l][d+1]===">")?(f(),o===3&&(u=u[0]),o=u,(u=u[0]).push(2,0,o),o=0):s===" "||s==="	"||s===`
`||s==="\r"?(f(),o=2):a+=s),o===3&&a==="!--"&&(o=4,u=u[0])}return f(),u})(e)),t),arguments,[])).length>1?t:t[0]}var _=Ct.bind(Ke),St='a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';function R({id:e,title:t,onClose:n,children:s,wide:i}){let o=tt(null);T(()=>{let u=o.current,f=document.activeElement;u.open||u.showModal();let l=u.querySelector("[data-autofocus]")||u.querySelector(St);return l&&l.focus(),()=>{f&&f.isConnected&&typeof f.focus=="function"&&f.focus()}},[]);let a=u=>{if(u.key!=="Tab")return;let f=[...o.current.querySelectorAll(St)].filter(m=>m.offsetParent!==null);if(f.length===0)return;let l=f[0],d=f[f.length-1];u.shiftKey&&(document.activeElement===l||!o.current.contains(document.activeElement))?(u.preventDefault(),d.focus()):!u.shiftKey&&(document.activeElement===d||!o.current.contains(document.activeElement))&&(u.preventDefault(),l.focus())},c=u=>{u.preventDefault(),n()};return _`<dialog id=${e} ref=${o} class=${"dialog"+(i?" wide":"")} aria-labelledby=${e+"-title"}
    onKeyDown=${a} onCancel=${c}>
    <h2 id=${e+"-title"}>${t}</h2>
    ${s}
  </dialog>`}function I({id:e,label:t,hint:n,error:s,children:i}){return _`<div class=${"field"+(s?" invalid":"")}>
    <label for=${e}>${t}</label>
    ${i}
    ${n&&_`<p class="hint" id=${e+"-hint"}>${n}</p>`}
    ${s&&_`<p class="error" id=${e+"-error"} role="alert">${s}</p>`}
  </div>`}function D(e,t,n){let s=[];return t&&s.push(e+"-hint"),n&&s.push(e+"-error"),s.length?s.join(" "):void 0}function H(e,t){return e&&e.code==="BAD_USER_INPUT"&&e.field&&t[e.field]?{fields:{[t[e.field]]:C(e)},form:null}:{fields:{},form:C(e)}}function L({id:e,message:t}){return t?_`<p class="error form-error" id=${e} role="alert">${t}</p>`:null}function It({counts:e,label:t}){let n=Math.max(1,...e),s=90,i=24,o=s/e.length;return _`<svg class="sparkline" role="img" aria-label=${t} viewBox=${`0 0 ${s} ${i}`} width=${s} height=${i}>
    <line class="baseline" x1="0" y1=${i-.5} x2=${s} y2=${i-.5} />
    ${e.map((a,c)=>{let u=a===0?0:Math.max(2,Math.round(a/n*(i-2)));return _`<rect x=${(c*o).toFixed(2)} y=${i-u} width=${Math.max(1,o-.6).toFixed(2)} height=${u} />`})}
  </svg>`}function Ie({id:e,secret:t,copied:n,onCopy:s}){let i=async()=>{let o=document.getElementById(e),a=!1;try{await navigator.clipboard.writeText(t),a=!0}catch{o.select(),a=document.execCommand("copy")}s(a)};return _`<div class="show-once">
    <p class="warning" id=${e+"-warning"}><strong>Copy this key now.</strong> It will not be shown again: Keyfob keeps only a hash of it.
      If you lose it, roll the key or create a new one.</p>
    <label for=${e}>Your new API key</label>
    <div class="secret-row">
      <input id=${e} class="secret" type="text" readonly value=${t} aria-describedby=${e+"-warning"}
        spellcheck="false" autocomplete="off" data-autofocus onFocus=${o=>o.target.select()} />
      <button type="button" id=${e+"-copy"} onClick=${i}>Copy</button>
    </div>
    <p class="copy-status" role="status">${n===!0?"Copied to the clipboard.":n===!1?"Copying failed: select the key and copy it yourself.":""}</p>
  </div>`}var zt={email:"email",password:"password"},Qt={accountName:"account",name:"name",email:"email",password:"password"};function Dt({message:e,onSignedIn:t}){let[n,s]=g("login");return _`<main class="auth" id="main">
    <h1>Keyfob API keys</h1>
    ${e&&_`<p class="notice" id="auth-message" role="status">${e}</p>`}
    ${n==="login"?_`<${Xt} onSignedIn=${t} />
          <p class="switch-mode">New to Keyfob? <button type="button" class="link" id="show-signup" onClick=${()=>s("signup")}>Create an account</button></p>`:_`<${Jt} onSignedIn=${t} />
          <p class="switch-mode">Have an account? <button type="button" class="link" id="show-login" onClick=${()=>s("login")}>Log in</button></p>`}
  </main>`}function Xt({onSignedIn:e}){let[t,n]=g(""),[s,i]=g(""),[o,a]=g(!1),[c,u]=g({fields:{},form:null}),f=async d=>{d.preventDefault();let m=s;i(""),d.target.querySelector("#login-password").value="",a(!0),u({fields:{},form:null});try{let r=await x(rt,{in:{email:t,password:m,client:"WEB"}});e(r.logIn.token,r.logIn.user)}catch(r){u(H(r,zt)),a(!1)}},l=c.fields;return _`<form class="card" id="login-form" onSubmit=${f} aria-labelledby="login-title" novalidate>
    <h2 id="login-title">Log in</h2>
    <${I} id="login-email" label="Email" error=${l.email}>
      <input id="login-email" type="email" autocomplete="username" required value=${t}
        aria-invalid=${l.email?"true":void 0} aria-describedby=${D("login-email",null,l.email)}
        onInput=${d=>n(d.target.value)} />
    <//>
    <${I} id="login-password" label="Password" error=${l.password}>
      <input id="login-password" type="password" autocomplete="current-password" required value=${s}
        aria-invalid=${l.password?"true":void 0} aria-describedby=${D("login-password",null,l.password)}
        onInput=${d=>i(d.target.value)} />
    <//>
    <${L} id="login-error" message=${c.form} />
    <div class="actions"><button type="submit" class="primary" id="login-submit" disabled=${o}>${o?"Logging in…":"Log in"}</button></div>
  </form>`}function Jt({onSignedIn:e}){let[t,n]=g({accountName:"",name:"",email:""}),[s,i]=g(""),[o,a]=g(!1),[c,u]=g({fields:{},form:null}),f=r=>p=>n({...t,[r]:p.target.value}),l=async r=>{r.preventDefault();let p=s;i(""),r.target.querySelector("#signup-password").value="",a(!0),u({fields:{},form:null});try{let y=await x(lt,{in:{...t,password:p}});e(y.signUp.token,y.signUp.user)}catch(y){u(H(y,Qt)),a(!1)}},d=c.fields,m=(r,p,y,h)=>_`<input id=${r} type=${y} autocomplete=${h} required
    value=${t[p]} aria-invalid=${d[r.slice(7)]?"true":void 0}
    aria-describedby=${D(r,null,d[r.slice(7)])} onInput=${f(p)} />`;return _`<form class="card" id="signup-form" onSubmit=${l} aria-labelledby="signup-title" novalidate>
    <h2 id="signup-title">Create an account</h2>
    <${I} id="signup-account" label="Company or account name" error=${d.account}>${m("signup-account","accountName","text","organization")}<//>
    <${I} id="signup-name" label="Your name" error=${d.name}>${m("signup-name","name","text","name")}<//>
    <${I} id="signup-email" label="Email" error=${d.email}>${m("signup-email","email","email","username")}<//>
    <${I} id="signup-password" label="Password" hint="8 to 256 characters." error=${d.password}>
      <input id="signup-password" type="password" autocomplete="new-password" required value=${s}
        aria-invalid=${d.password?"true":void 0} aria-describedby=${D("signup-password",!0,d.password)}
        onInput=${r=>i(r.target.value)} />
    <//>
    <${L} id="signup-error" message=${c.form} />
    <div class="actions"><button type="submit" class="primary" id="signup-submit" disabled=${o}>${o?"Creating…":"Create account"}</button></div>
  </form>`}function Ut({viewer:e,notify:t}){let n=e.role==="OWNER"||e.role==="ADMIN",[s,i]=g([]),[o,a]=g({total:0,hasNext:!1,cursor:null}),[c,u]=g(!0),[f,l]=g(null),[d,m]=g(null),r=async()=>{u(!0);try{let $=(await x(Se,{after:null})).apiKeys;i($.nodes),a({total:$.totalCount,hasNext:$.pageInfo.hasNextPage,cursor:$.pageInfo.endCursor}),l(null)}catch(h){l(C(h))}u(!1)},p=async()=>{u(!0);try{let $=(await x(Se,{after:o.cursor})).apiKeys;i(b=>[...b,...$.nodes.filter(A=>!b.some(w=>w.id===A.id))]),a({total:$.totalCount,hasNext:$.pageInfo.hasNextPage,cursor:$.pageInfo.endCursor}),l(null)}catch(h){l(C(h))}u(!1)};T(()=>{r()},[]);let y=h=>{m(null),h&&r()};return _`<section aria-labelledby="keys-title" id="keys-screen">
    <div class="heading-row">
      <h2 id="keys-title">API keys</h2>
      <div class="heading-actions">
        <button type="button" id="refresh-keys" onClick=${r} disabled=${c}>Refresh</button>
        <button type="button" class="primary" id="create-key" onClick=${()=>m({kind:"create"})}>Create API Key</button>
      </div>
    </div>
    <p class="lede">${n?"Every key of the account, newest first.":"Your keys, newest first."}
      Each integration should have a key of its own. Hover over or focus a key's name to see which integrations used it.</p>
    ${f&&_`<p class="error" role="alert" id="keys-error">${f}</p>`}
    <p class="count" id="keys-count" aria-live="polite">${c&&s.length===0?"Loading keys…":o.total===0?"No API keys yet. Create one for your first integration.":`Showing ${s.length} of ${N(o.total,"key","keys")}.`}</p>
    ${s.length>0&&_`<${en} keys=${s} manager=${n} onAction=${(h,$)=>m({kind:h,key:$})} />`}
    ${o.hasNext&&_`<div class="more"><button type="button" id="load-more" onClick=${p} disabled=${c}>Load more</button></div>`}
    ${d&&d.kind==="create"&&_`<${an} onClose=${y} />`}
    ${d&&d.kind==="edit"&&_`<${ln} apiKey=${d.key} onClose=${y} onGone=${()=>y(!0)} />`}
    ${d&&d.kind==="roll"&&_`<${cn} apiKey=${d.key} onClose=${y} />`}
    ${d&&d.kind==="delete"&&_`<${un} apiKey=${d.key} notify=${t} onClose=${y} />`}
  </section>`}var Zt={ACTIVE:"Active",EXPIRED:"Expired",LEAKED:"Leaked"};function en({keys:e,manager:t,onAction:n}){let[s,i]=g(null);return _`<div class="table-wrap" role="region" aria-labelledby="keys-title" tabindex="0">
    <table id="keys-table">
      <thead><tr>
        <th scope="col">Name</th>
        <th scope="col">Key</th>
        ${t&&_`<th scope="col">Owner</th>`}
        <th scope="col">Created</th>
        <th scope="col">Last Used</th>
        <th scope="col">Expires</th>
        <th scope="col">Access</th>
        <th scope="col">Status</th>
        <th scope="col">Last 30 days</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr></thead>
      <tbody>
        ${e.map(o=>_`<${tn} key=${o.id} k=${o} manager=${t} onAction=${n}
          cardOpen=${s===o.id} setCard=${i} />`)}
      </tbody>
    </table>
  </div>`}function tn({k:e,manager:t,onAction:n,cardOpen:s,setCard:i}){let o=e.dailyUsage.map(r=>r.requestCount),a=o.reduce((r,p)=>r+p,0),c=bt(o.length),u=o.indexOf(Math.max(...o)),f=a===0?"No requests in the last 30 days":`${N(a,"request","requests")} in the last 30 days, most on ${c[u]} (${o[u]})`,l="card-"+e.id,d=()=>i(e.id),m=()=>i(r=>r===e.id?null:r);return _`<tr data-key-id=${e.id} class=${"status-"+e.status.toLowerCase()}>
    <td class="name-cell" onMouseEnter=${d} onMouseLeave=${m}>
      <button type="button" class="key-name" aria-describedby=${s?l:void 0} aria-expanded=${s?"true":"false"}
        onFocus=${d} onBlur=${m} onClick=${()=>s?m():d()}
        onKeyDown=${r=>{r.key==="Escape"&&s&&(r.stopPropagation(),m())}}>
        ${e.name}${e.isDefault&&_` <span class="tag">Default</span>`}
      </button>
      ${e.note&&_`<div class="note">${e.note}</div>`}
      ${s&&_`<${sn} id=${l} k=${e} />`}
    </td>
    <td><code class="last4">…${e.last4}</code></td>
    ${t&&_`<td class="owner"><span>${e.owner.name}</span><br /><span class="muted">${e.owner.email}</span></td>`}
    <td><time datetime=${e.createdAt}>${S(e.createdAt)}</time></td>
    <td class="last-used">${e.lastUsedAt?_`<time datetime=${e.lastUsedAt}>${S(e.lastUsedAt)}</time>`:"Never"}</td>
    <td class="expires">${e.expiresAt?_`<time datetime=${e.expiresAt}>${S(e.expiresAt)}</time>`:"Never"}</td>
    <td class="access">${$t[e.access]}</td>
    <td class="status"><${nn} k=${e} /></td>
    <td class="usage"><${It} counts=${o} label=${f} /></td>
    <td class="row-actions">
      <button type="button" data-action="edit" aria-label=${"Edit "+e.name} onClick=${()=>n("edit",e)}>Edit</button>
      ${e.status!=="EXPIRED"&&_`<button type="button" data-action="roll" aria-label=${"Roll "+e.name} onClick=${()=>n("roll",e)}>Roll</button>`}
      <button type="button" class="danger" data-action="delete" aria-label=${"Delete "+e.name} onClick=${()=>n("delete",e)}>Delete</button>
    </td>
  </tr>`}function nn({k:e}){return _`<span class=${"badge "+e.status.toLowerCase()}>${Zt[e.status]||e.status}</span>
    ${e.status==="LEAKED"&&e.leak&&_`<div class="status-detail">Found in public (${e.leak.source}) on ${S(e.leak.reportedAt)}: it no longer works. Roll it to give it a new secret.</div>`}
    ${e.status==="EXPIRED"&&_`<div class="status-detail">Stopped working on ${S(e.expiresAt)}. Create a new key to replace it.</div>`}
    ${e.previousSecretExpiresAt&&_`<div class="status-detail previous">Previous secret works until ${S(e.previousSecretExpiresAt)};
      ${e.previousSecretLastUsedAt?" last used "+S(e.previousSecretLastUsedAt):" not used since the roll"}.</div>`}`}function sn({id:e,k:t}){let n=t.usageByIntegration;return _`<div class="hover-card" id=${e} role="tooltip">
    <p class="card-title">Integrations using ${t.name}</p>
    ${n.length===0?_`<p>No integration has used this key yet.</p>`:_`<table class="integrations">
          <thead><tr><th scope="col">Integration</th><th scope="col">First used</th><th scope="col">Last used</th><th scope="col">Requests</th></tr></thead>
          <tbody>${n.map(s=>_`<tr>
            <td>${s.integration}</td><td>${S(s.firstUsedAt)}</td><td>${S(s.lastUsedAt)}</td><td class="num">${s.requestCount}</td>
          </tr>`)}</tbody>
        </table>`}
  </div>`}var on={name:"name",note:"note",expiresAt:"expiry",access:"access"};function an({onClose:e}){let[t,n]=g({name:"",note:"",expiry:"never",date:"",access:"FULL"}),[s,i]=g(!1),[o,a]=g({fields:{},form:null}),[c,u]=g(null),[f,l]=g(null),d=h=>$=>n({...t,[h]:$.target.value}),m=async h=>{h.preventDefault();let $=Et(t.expiry,t.date);if($===void 0){a({fields:{expiry:"Choose the date the key stops working."},form:null});return}i(!0),a({fields:{},form:null});try{let b={name:t.name,access:t.access,expiresAt:$};t.note.trim()&&(b.note=t.note);let A=await x(dt,{in:b});u({secret:A.createApiKey.secret,name:A.createApiKey.apiKey.name})}catch(b){a(H(b,on))}i(!1)},r=()=>e(c!==null);if(c)return _`<${R} id="create-dialog" title=${`"${c.name}" is ready`} onClose=${r}>
      <${Ie} id="new-secret" secret=${c.secret} copied=${f} onCopy=${l} />
      <div class="actions"><button type="button" class="primary" id="secret-done" onClick=${r}>I have copied it: close</button></div>
    <//>`;let p=o.fields,y=new Date().toISOString().slice(0,10);return _`<${R} id="create-dialog" title="Create API Key" onClose=${()=>e(!1)}>
    <form onSubmit=${m} novalidate>
      <${I} id="key-name" label="Name" hint="The integration it is for, such as Zapier or Website lead form." error=${p.name}>
        <input id="key-name" type="text" required maxlength="100" value=${t.name} data-autofocus autocomplete="off"
          aria-invalid=${p.name?"true":void 0} aria-describedby=${D("key-name",!0,p.name)} onInput=${d("name")} />
      <//>
      <${I} id="key-note" label="Note (optional)" hint="What the key is for, for whoever reads this list later." error=${p.note}>
        <textarea id="key-note" rows="2" maxlength="500" value=${t.note}
          aria-invalid=${p.note?"true":void 0} aria-describedby=${D("key-note",!0,p.note)} onInput=${d("note")}></textarea>
      <//>
      <${I} id="key-expiry" label="Expires" error=${p.expiry}>
        <select id="key-expiry" value=${t.expiry} onChange=${d("expiry")}
          aria-invalid=${p.expiry?"true":void 0} aria-describedby=${D("key-expiry",null,p.expiry)}>
          ${At.map(h=>_`<option value=${h.value}>${h.label}</option>`)}
        </select>
      <//>
      ${t.expiry==="date"&&_`<${I} id="key-expiry-date" label="Works until the end of" hint="In your time zone. An expiry cannot be changed later.">
        <input id="key-expiry-date" type="date" min=${y} value=${t.date} onInput=${d("date")}
          aria-describedby=${D("key-expiry-date",!0,null)} />
      <//>`}
      <fieldset class=${"field"+(p.access?" invalid":"")}>
        <legend>Access</legend>
        <label class="choice"><input type="radio" name="access" id="access-full" value="FULL" checked=${t.access==="FULL"} onChange=${d("access")} />
          Full: whatever you may do</label>
        <label class="choice"><input type="radio" name="access" id="access-read" value="READ_ONLY" checked=${t.access==="READ_ONLY"} onChange=${d("access")} />
          Read-only</label>
        ${p.access&&_`<p class="error" role="alert">${p.access}</p>`}
      </fieldset>
      <${L} id="create-error" message=${o.form} />
      <div class="actions">
        <button type="button" onClick=${()=>e(!1)}>Cancel</button>
        <button type="submit" class="primary" id="create-submit" disabled=${s}>${s?"Creating…":"Create key"}</button>
      </div>
    </form>
  <//>`}var rn={name:"name",note:"note",access:"access"};function ln({apiKey:e,onClose:t,onGone:n}){let[s,i]=g({name:e.name,note:e.note||"",access:e.access}),[o,a]=g(!1),[c,u]=g({fields:{},form:null}),f=m=>r=>i({...s,[m]:r.target.value}),l=async m=>{m.preventDefault(),a(!0),u({fields:{},form:null});try{await x(pt,{in:{id:e.id,name:s.name,note:s.note,access:s.access}}),t(!0)}catch(r){if(r.code==="NOT_FOUND")return n();u(H(r,rn)),a(!1)}},d=c.fields;return _`<${R} id="edit-dialog" title=${`Edit "${e.name}"`} onClose=${()=>t(!1)}>
    <form onSubmit=${l} novalidate>
      <${I} id="edit-name" label="Name" error=${d.name}>
        <input id="edit-name" type="text" required maxlength="100" value=${s.name} data-autofocus autocomplete="off"
          aria-invalid=${d.name?"true":void 0} aria-describedby=${D("edit-name",null,d.name)} onInput=${f("name")} />
      <//>
      <${I} id="edit-note" label="Note (optional)" error=${d.note}>
        <textarea id="edit-note" rows="2" maxlength="500" value=${s.note}
          aria-invalid=${d.note?"true":void 0} aria-describedby=${D("edit-note",null,d.note)} onInput=${f("note")}></textarea>
      <//>
      <${I} id="edit-access" label="Access" hint="A new access holds from the key's next request." error=${d.access}>
        <select id="edit-access" value=${s.access} onChange=${f("access")} aria-describedby=${D("edit-access",!0,d.access)}>
          <option value="FULL">Full</option>
          <option value="READ_ONLY">Read-only</option>
        </select>
      <//>
      <p class="hint">The secret, owner, expiry and usage stay as they are.</p>
      <${L} id="edit-error" message=${c.form} />
      <div class="actions">
        <button type="button" onClick=${()=>t(!1)}>Cancel</button>
        <button type="submit" class="primary" id="edit-submit" disabled=${o}>${o?"Saving…":"Save"}</button>
      </div>
    </form>
  <//>`}function cn({apiKey:e,onClose:t}){let n=e.status==="LEAKED",[s,i]=g(n?0:3600),[o,a]=g(!1),[c,u]=g(null),[f,l]=g(null),[d,m]=g(null),r=async y=>{y.preventDefault(),a(!0),u(null);try{let h=await x(_t,{in:{id:e.id,gracePeriodSeconds:s}});l({secret:h.rollApiKey.secret,previousUntil:h.rollApiKey.apiKey.previousSecretExpiresAt})}catch(h){u(C(h))}a(!1)},p=()=>t(f!==null);return f?_`<${R} id="roll-dialog" title=${`"${e.name}" has a new secret`} onClose=${p}>
      <${Ie} id="rolled-secret" secret=${f.secret} copied=${d} onCopy=${m} />
      <p id="roll-result">${f.previousUntil?_`The previous secret keeps working until <strong>${S(f.previousUntil)}</strong>, then stops.`:_`The previous secret <strong>stopped working now</strong>.`}
        ${" "}${e.lastUsedAt?`It was last used ${S(e.lastUsedAt)}.`:"It was never used."}
        ${f.previousUntil&&" The list shows whether anything still uses it."}</p>
      <div class="actions"><button type="button" class="primary" id="roll-done" onClick=${p}>I have copied it: close</button></div>
    <//>`:_`<${R} id="roll-dialog" title=${`Roll "${e.name}"`} onClose=${()=>t(!1)}>
    <form onSubmit=${r} novalidate>
      <p>Rolling gives the key a new secret. Its name, note, access, owner, expiry and usage stay.
        The previous secret was last used: ${e.lastUsedAt?S(e.lastUsedAt):"never"}.</p>
      ${n?_`<p class="warning" id="roll-leaked">This key's secret leaked, so it stops at once: there is no grace period for a leaked secret.</p>`:_`<fieldset class="field">
            <legend>The previous secret stops working</legend>
            ${wt.map(y=>_`<label class="choice">
              <input type="radio" name="grace" value=${y.seconds} id=${"grace-"+y.seconds} checked=${s===y.seconds}
                onChange=${()=>i(y.seconds)} /> ${y.label}</label>`)}
          </fieldset>`}
      <${L} id="roll-error" message=${c} />
      <div class="actions">
        <button type="button" onClick=${()=>t(!1)}>Cancel</button>
        <button type="submit" class="primary" id="roll-submit" disabled=${o}>${o?"Rolling…":"Roll key"}</button>
      </div>
    </form>
  <//>`}function un({apiKey:e,notify:t,onClose:n}){let[s,i]=g(!1),[o,a]=g(null),c=e.activeMobileSessions,u=async f=>{f.preventDefault(),i(!0),a(null);try{let d=(await x(ft,{in:{id:e.id}})).deleteApiKey.loggedOutMobileSessions;t(`Deleted "${e.name}".`+(e.isDefault||d>0?` It logged out ${N(d,"mobile app session","mobile app sessions")}.`:"")),n(!0)}catch(l){if(l.code==="NOT_FOUND"){t(`"${e.name}" was already deleted.`),n(!0);return}a(C(l)),i(!1)}};return _`<${R} id="delete-dialog" title=${`Delete "${e.name}"?`} onClose=${()=>n(!1)}>
    <form onSubmit=${u}>
      <p id="delete-warning">Integrations using this key (…${e.last4}) stop working at once. This cannot be undone.
        ${e.isDefault&&_` <strong>This is ${e.owner.name}'s Default API Key: the mobile apps' sessions are tied to it, so deleting it logs
        ${" "}${e.owner.name} out of the mobile apps (${N(c,"active session","active sessions")}).</strong>`}</p>
      <${L} id="delete-error" message=${o} />
      <div class="actions">
        <button type="button" onClick=${()=>n(!1)} data-autofocus>Cancel</button>
        <button type="submit" class="danger" id="delete-confirm" disabled=${s}>${s?"Deleting…":"Delete key"}</button>
      </div>
    </form>
  <//>`}function Nt({viewer:e,notify:t}){let[n,s]=g(null),[i,o]=g(null),[a,c]=g(null),[u,f]=g(null),l=e.role==="OWNER"||e.role==="ADMIN",d=async()=>{try{if(l)s((await x(mt)).account);else{let p=await x(gt);s({...p.account,users:null,viewerAccess:p.viewer.apiAccess})}o(null)}catch(p){o(C(p))}};T(()=>{d()},[]);let m=async(p,y)=>{f(p.id);try{let $=(await x(ht,{in:{userId:p.id,enabled:y}})).setUserApiAccess;t(y?`${p.name} may create API keys again.`:`${p.name} may no longer create API keys. Deleted ${N($.deletedApiKeys,"key","keys")}`+($.loggedOutMobileSessions?` and logged out ${N($.loggedOutMobileSessions,"mobile app session","mobile app sessions")}.`:".")),o(null)}catch(h){o(C(h))}f(null),c(null),d()};if(!n)return _`<section aria-labelledby="access-title" id="access-screen"><h2 id="access-title">Who may create keys</h2>
      ${i?_`<p class="error" role="alert">${i}</p>`:_`<p>Loading…</p>`}</section>`;let r=e.role==="OWNER";return _`<section aria-labelledby="access-title" id="access-screen">
    <h2 id="access-title">Who may create keys</h2>
    ${i&&_`<p class="error" role="alert" id="access-error">${i}</p>`}
    ${n.apiKeyRestriction?_`<p class="notice" id="access-line">The API Key Restriction Power-Up is on: the account owner decides who may create API keys.
          ${r?" Turning a user's access off deletes their keys.":""}</p>`:_`<p class="notice" id="access-line">Everyone in the account may create API keys: the API Key Restriction Power-Up is off.
          With it, the account owner decides who may.</p>`}
    ${!l&&_`<p id="own-access">${n.viewerAccess?"You may create API keys.":"You may not create API keys: ask the account owner."}</p>`}
    ${l&&n.users&&_`<div class="table-wrap" role="region" aria-labelledby="access-title" tabindex="0">
      <table id="users-table">
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Keys</th><th scope="col">API access</th></tr></thead>
        <tbody>${n.users.map(p=>_`<tr data-user-id=${p.id}>
          <td>${p.name}<br /><span class="muted">${p.email}</span></td>
          <td>${ce[p.role]}</td>
          <td class="num">${p.apiKeyCount}</td>
          <td>${p.role==="OWNER"?"Always":r&&n.apiKeyRestriction?_`<button type="button" role="switch" class="switch" aria-checked=${p.apiAccess?"true":"false"}
                  data-user-id=${p.id} aria-label=${"API access for "+p.name} disabled=${u===p.id}
                  onClick=${()=>p.apiAccess?c(p):m(p,!0)}>
                  <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
                  <span class="switch-text">${p.apiAccess?"On":"Off"}</span>
                </button>`:p.apiAccess?"Yes":"No"}</td>
        </tr>`)}</tbody>
      </table>
    </div>`}
    ${a&&_`<${R} id="access-dialog" title=${`Turn off API access for ${a.name}?`} onClose=${()=>c(null)}>
      <p id="access-warning">${a.name} will no longer be able to create API keys, and
        <strong> this deletes ${a.apiKeyCount===1?"their 1 key":`their ${a.apiKeyCount} keys`}</strong>${a.apiKeyCount>0?": integrations using them stop working at once":""}.</p>
      <${L} id="access-dialog-error" message=${null} />
      <div class="actions">
        <button type="button" onClick=${()=>c(null)} data-autofocus>Cancel</button>
        <button type="button" class="danger" id="access-confirm" disabled=${u!==null} onClick=${()=>m(a,!1)}>
          Turn off and delete ${N(a.apiKeyCount,"key","keys")}</button>
      </div>
    <//>`}
  </section>`}function Lt(){let[e,t]=g([null]),[n,s]=g(null),[i,o]=g(null),[a,c]=g(!1),u=e[e.length-1];T(()=>{let l=!0;return c(!0),x(yt,{after:u}).then(d=>{l&&(s(d.auditEvents),o(null))}).catch(d=>l&&o(C(d))).finally(()=>l&&c(!1)),()=>{l=!1}},[u]);let f=e.length;return _`<section aria-labelledby="audit-title" id="audit-screen">
    <h2 id="audit-title">Audit log</h2>
    <p class="lede">Who did what to the account's keys and users, newest first.</p>
    ${i&&_`<p class="error" role="alert" id="audit-error">${i}</p>`}
    ${n&&_`<p class="count" id="audit-count" aria-live="polite">Page ${f} of ${Math.max(1,Math.ceil(n.totalCount/20))}, ${N(n.totalCount,"event","events")} in all.</p>
      <div class="table-wrap" role="region" aria-labelledby="audit-title" tabindex="0">
        <table id="audit-table">
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Key</th><th scope="col">User</th><th scope="col">Detail</th><th scope="col">From</th></tr></thead>
          <tbody>${n.nodes.map(l=>_`<tr>
            <td><time datetime=${l.occurredAt}>${S(l.occurredAt)}</time></td>
            <td>${vt[l.action]||l.action}</td>
            <td>${l.actorEmail||_`<span class="muted">nobody signed in</span>`}</td>
            <td>${l.apiKeyName?`${l.apiKeyName} (…${l.apiKeyLast4})`:""}</td>
            <td>${l.targetUser?l.targetUser.email:""}</td>
            <td>${l.detail||""}</td>
            <td>${l.ip||""}${l.userAgent&&_`<br /><span class="muted ua">${l.userAgent}</span>`}</td>
          </tr>`)}</tbody>
        </table>
      </div>`}
    <div class="pager">
      <button type="button" id="audit-newer" disabled=${f===1||a} onClick=${()=>t(e.slice(0,-1))}>Newer events</button>
      <button type="button" id="audit-older" disabled=${!n||!n.pageInfo.hasNextPage||a}
        onClick=${()=>t([...e,n.pageInfo.endCursor])}>Older events</button>
    </div>
  </section>`}var dn="Your session has ended: it expired, or you logged out elsewhere. Log in again.";function pn(){let[e,t]=g(xe()?void 0:null),[n,s]=g(null),[i,o]=g(null),[a,c]=g(null),[u,f]=g("keys");T(()=>{at({sessionEnded:()=>{t(null),c(null),s(dn)},unavailable:y=>o(C(y)),reachable:()=>o(null)}),xe()&&x(ut).then(y=>t(y.viewer),y=>{y.code!=="UNAUTHENTICATED"&&s(C(y)),le(),t(null)})},[]);let l=(y,h)=>{it(y),s(null),f("keys"),t(h)},d=async()=>{try{await x(ct)}catch{}le(),t(null),c(null),s("You have logged out.")},m=i&&_`<div class="banner" id="banner" role="alert">
    <span>${i}</span> <button type="button" class="link" onClick=${()=>o(null)}>Dismiss</button></div>`;if(e===void 0)return _`${m}<main id="main" class="auth"><h1>Keyfob API keys</h1><p role="status">Checking your session…</p></main>`;if(e===null)return _`${m}<${Dt} message=${n} onSignedIn=${l} />`;let r=e.role==="OWNER"||e.role==="ADMIN",p=[["keys","API keys"],["access","Who may create keys"],...r?[["audit","Audit log"]]:[]];return _`<header class="topbar">
      <div class="brand">Keyfob <span class="muted">· ${e.account.name}</span></div>
      <nav aria-label="Screens">
        ${p.map(([y,h])=>_`<button type="button" id=${"nav-"+y} class="tab" aria-current=${u===y?"page":void 0}
          onClick=${()=>{c(null),f(y)}}>${h}</button>`)}
      </nav>
      <div class="who"><span id="who">${e.email} (${ce[e.role]})</span>
        <button type="button" id="logout" onClick=${d}>Log out</button></div>
    </header>
    ${m}
    <main id="main">
      <h1 class="visually-hidden">Keyfob API keys</h1>
      <p class="notice" id="notice" role="status">${a||""}</p>
      ${u==="keys"&&_`<${Ut} viewer=${e} notify=${c} />`}
      ${u==="access"&&_`<${Nt} viewer=${e} notify=${c} />`}
      ${u==="audit"&&r&&_`<${Lt} />`}
    </main>`}Ye(_`<${pn} />`,document.getElementById("app"));})();
